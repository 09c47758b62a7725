import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runPublish
} from "./chunk-5PIJ2AWW.js";
import "./chunk-HAK5KP5A.js";
import "./chunk-MKM2MT5T.js";
import "./chunk-WBGSAUDN.js";
import "./chunk-UIJJEKMH.js";
import "./chunk-ZTTND34Q.js";
import "./chunk-EO4ONWKL.js";
import "./chunk-WPJGHDN4.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-LIFWJYEF.js";
import "./chunk-MJAE4LO3.js";
import "./chunk-XWKHO2XV.js";
import "./chunk-JVYIGASL.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  runPublish
};
