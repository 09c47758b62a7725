import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-OAXUA7PH.js";import"./chunk-2Q46HACG.js";import"./chunk-XGGAPEU3.js";import"./chunk-YQY3SAZL.js";import"./chunk-6HXXA7RJ.js";import"./chunk-I2UJDYAR.js";import"./chunk-VWZCXO4Z.js";import"./chunk-DXLIJOCZ.js";import"./chunk-67BG23Y2.js";export{a as connect,b as loadKeychain};
