import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a as c}from"./chunk-UWGAAK5S.js";import"./chunk-YQY3SAZL.js";import"./chunk-6HXXA7RJ.js";import{a,b}from"./chunk-I2UJDYAR.js";import"./chunk-VWZCXO4Z.js";import"./chunk-DXLIJOCZ.js";import"./chunk-67BG23Y2.js";export{a as DEFAULT_RETRY,b as FAST_RETRY,c as createHttpClient};
