import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{d as a,e as b,f as c}from"./chunk-DGLLE34K.js";import"./chunk-CEG2I7RX.js";import"./chunk-67BG23Y2.js";export{b as renderPublishSummary,a as renderUpdateSummary,c as sizeChange};
