import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e}from"./chunk-466W5ZI6.js";import"./chunk-GPTFOHRD.js";import"./chunk-JVFBWZ64.js";import"./chunk-6HXXA7RJ.js";import"./chunk-67BG23Y2.js";export{b as BUILDER_ID,a as BUILD_TYPE,c as githubInvocation,d as invocationId,e as slsaProvenance};
