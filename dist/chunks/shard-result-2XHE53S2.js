import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c}from"./chunk-RM7IXWF4.js";import"./chunk-T2F3R6SK.js";import"./chunk-6RQ44T7X.js";import"./chunk-P5TW7BYM.js";import"./chunk-6HXXA7RJ.js";import"./chunk-DXLIJOCZ.js";import"./chunk-67BG23Y2.js";export{a as SHARD_RESULT_VERSION,b as parseShardResult,c as readShardResults};
