import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{d as a,e as b,f as c,g as d}from"./chunk-EPBVI2TM.js";import"./chunk-CEG2I7RX.js";import"./chunk-67BG23Y2.js";export{c as renderAssembleSummary,b as renderPublishSummary,a as renderUpdateSummary,d as sizeChange};
