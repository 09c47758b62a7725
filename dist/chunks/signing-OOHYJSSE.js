import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  createAttestFn,
  createBundleStorage,
  createBundleVerifier,
  createSigning,
  releaseSigner
} from "./chunk-52EFL52A.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  createAttestFn,
  createBundleStorage,
  createBundleVerifier,
  createSigning,
  releaseSigner
};
