import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function o(e){let r=e.clock();return e.enabled?n=>{let i=((e.clock()-r)/1e3).toFixed(1).padStart(5);e.write(`[${i}s] ${n}
`)}:()=>{}}async function c(e,r,n){let{loadKeychain:i}=await import("./registry-access-LWPBIZTE.js"),t=e.env.DISTROLESS_REGISTRY_PASSWORD;return i({env:e.env,registry:r,...n?{username:n}:{},...t?{password:t}:{}})}export{o as a,c as b};
