import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  renderPublishSummary,
  renderUpdateSummary,
  sizeChange
} from "./chunk-347DQBTO.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  renderPublishSummary,
  renderUpdateSummary,
  sizeChange
};
