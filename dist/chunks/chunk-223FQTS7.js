import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function f(r,s){return new Promise((t,e)=>{let o=()=>{r.off("drain",n),r.off("error",i),r.off("close",d)},n=()=>{o(),t()},i=a=>{o(),e(a)},d=()=>{o(),e(r.errored??s())};r.on("drain",n),r.on("error",i),r.on("close",d)})}export{f as a};
