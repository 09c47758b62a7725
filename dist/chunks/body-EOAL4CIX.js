import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{a,b,c,d,e,f,g,h,i}from"./chunk-Q3BMTGDF.js";import"./chunk-67BG23Y2.js";export{d as BODY_MARKER,b as FOLD_ROWS,a as GITHUB_BODY_LIMIT,c as TRACKER_URL,f as hasSecurityChange,e as isSecuritySuite,h as renderPrBody,i as sizeDelta,g as summaryLine};
