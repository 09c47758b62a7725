import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
function c(r,s){return new Promise((a,n)=>{let o=()=>{r.off("drain",e),r.off("error",i),r.off("close",d)},e=()=>{o(),a()},i=f=>{o(),n(f)},d=()=>{o(),n(r.errored??s())};r.on("drain",e),r.on("error",i),r.on("close",d)})}export{c as a};
