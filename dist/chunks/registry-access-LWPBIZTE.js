import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-RABERPGR.js";import"./chunk-DKKMG566.js";import"./chunk-IBEUZ47I.js";import"./chunk-O42YVVA3.js";import"./chunk-D3FMXR5Y.js";import"./chunk-CEG2I7RX.js";import"./chunk-67BG23Y2.js";export{a as connect,b as loadKeychain};
