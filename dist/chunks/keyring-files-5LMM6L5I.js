import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  readKeyringFiles
} from "./chunk-OSAONVUY.js";
import "./chunk-UIJJEKMH.js";
import "./chunk-MJAE4LO3.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  readKeyringFiles
};
