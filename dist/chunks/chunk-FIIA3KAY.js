import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a as e}from"./chunk-6HXXA7RJ.js";var t={ok:e.ok,outOfDate:e.difference,verifyFailed:e.difference,error:e.input,remote:e.remote,internal:e.internal};export{t as a};
