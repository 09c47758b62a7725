import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{setFlagsFromString as e}from"node:v8";import{runInNewContext as n}from"node:vm";var o;function c(){o===void 0&&(e("--expose-gc"),o=n("gc"),e("--no-expose-gc")),o()}var t=!1;function a(){t||(t=!0,e("--semi-space-growth-factor=1"),e("--heap-growing-percent=25"))}export{c as a,a as b};
