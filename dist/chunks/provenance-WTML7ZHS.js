import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  BUILDER_ID,
  BUILD_TYPE,
  githubInvocation,
  invocationId,
  slsaProvenance
} from "./chunk-NS64RFCV.js";
import "./chunk-JVYIGASL.js";
import "./chunk-B3YJ2Z46.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  BUILDER_ID,
  BUILD_TYPE,
  githubInvocation,
  invocationId,
  slsaProvenance
};
