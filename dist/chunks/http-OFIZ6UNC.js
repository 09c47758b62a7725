import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e}from"./chunk-O42YVVA3.js";import"./chunk-D3FMXR5Y.js";import"./chunk-CEG2I7RX.js";import"./chunk-67BG23Y2.js";export{a as DEFAULT_RETRY,b as FAST_RETRY,c as createHttpClient,e as parseRetryAfter,d as retryDelay};
