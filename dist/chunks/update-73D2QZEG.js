import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runUpdate,
  snapshotId
} from "./chunk-4WIZTSEM.js";
import "./chunk-O64ZBYY3.js";
import "./chunk-OQT2GAUO.js";
import "./chunk-ZTTND34Q.js";
import "./chunk-DI5MK6QV.js";
import "./chunk-EO4ONWKL.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  runUpdate,
  snapshotId
};
