import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-II6UA3HZ.js";import"./chunk-ZPOLNDQJ.js";import"./chunk-XGGAPEU3.js";import"./chunk-D3FMXR5Y.js";import"./chunk-6HXXA7RJ.js";import"./chunk-FVVPZZYK.js";import"./chunk-DXLIJOCZ.js";import"./chunk-67BG23Y2.js";export{a as connect,b as loadKeychain};
