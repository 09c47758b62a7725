import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-PVYZPW2Q.js";import"./chunk-EQ2KRMJ3.js";import"./chunk-XGGAPEU3.js";import"./chunk-D3FMXR5Y.js";import"./chunk-6HXXA7RJ.js";import"./chunk-NQWCOMVD.js";import"./chunk-DXLIJOCZ.js";import"./chunk-67BG23Y2.js";export{a as connect,b as loadKeychain};
