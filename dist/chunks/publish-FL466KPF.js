import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runPublish
} from "./chunk-QCESH4YP.js";
import "./chunk-QXRPB7CZ.js";
import "./chunk-JP6CUMXV.js";
import "./chunk-ZGUTOS3N.js";
import "./chunk-OQT2GAUO.js";
import "./chunk-ZTTND34Q.js";
import "./chunk-EO4ONWKL.js";
import "./chunk-EC4REFKJ.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-XZB375P5.js";
import "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import "./chunk-NS64RFCV.js";
import "./chunk-JVYIGASL.js";
import "./chunk-B3YJ2Z46.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  runPublish
};
