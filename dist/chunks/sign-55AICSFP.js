import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RegistryClients,
  runSign
} from "./chunk-CBD65F52.js";
import "./chunk-WPJGHDN4.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-LIFWJYEF.js";
import "./chunk-MJAE4LO3.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  RegistryClients,
  runSign
};
