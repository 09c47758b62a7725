import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  readKeyringFiles
} from "./chunk-YQCPS4K7.js";
import "./chunk-O64ZBYY3.js";
import "./chunk-OQT2GAUO.js";
import "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  readKeyringFiles
};
