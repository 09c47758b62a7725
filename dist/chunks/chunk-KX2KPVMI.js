import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function e(n){return`${JSON.stringify(o(n),null,2)}
`}function o(n){if(Array.isArray(n))return n.map(o);if(n!==null&&typeof n=="object"){let r={};for(let t of Object.keys(n).sort(s)){let i=n[t];i!==void 0&&(r[t]=o(i))}return r}return n}function s(n,r){return n<r?-1:n>r?1:0}export{e as a,o as b,s as c};
