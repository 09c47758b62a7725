import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{e,f as t}from"./chunk-JVFBWZ64.js";var o=["legacy","bundle","both"],a=[e,t];export{o as a,a as b};
