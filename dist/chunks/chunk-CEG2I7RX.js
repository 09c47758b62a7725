import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
var s=class extends Error{code;details;constructor(e,o,n){super(o,n?.cause===void 0?void 0:{cause:n.cause}),this.name="DistrolessError",this.code=e,this.details=n?.details??[]}};function E(r,e){return r instanceof s&&(e===void 0||r.code===e)}function I(r){return r instanceof Error?r.message.split(`
`)[0]??r.name:String(r).split(`
`)[0]??"unknown error"}export{s as a,E as b,I as c};
