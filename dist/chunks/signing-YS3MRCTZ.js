import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e}from"./chunk-N6CBUE67.js";import"./chunk-IBEUZ47I.js";import"./chunk-CEG2I7RX.js";import"./chunk-67BG23Y2.js";export{d as createAttestFn,b as createBundleStorage,c as createBundleVerifier,a as createSigning,e as releaseSigner};
