import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a as c}from"./chunk-FO3IWLU7.js";import"./chunk-D3FMXR5Y.js";import"./chunk-6HXXA7RJ.js";import{c as a,d as b}from"./chunk-FVVPZZYK.js";import"./chunk-DXLIJOCZ.js";import"./chunk-67BG23Y2.js";export{a as DEFAULT_RETRY,b as FAST_RETRY,c as createHttpClient};
