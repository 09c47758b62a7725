import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RegistryClients,
  runSign
} from "./chunk-NHWTKFTI.js";
import "./chunk-EC4REFKJ.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-XZB375P5.js";
import "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  RegistryClients,
  runSign
};
