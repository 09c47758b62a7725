import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b}from"./chunk-5IY7VUH6.js";import"./chunk-67BG23Y2.js";export{b as readFileIfExists,a as writeFilesAtomically};
