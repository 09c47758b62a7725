import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import{createHash as t}from"node:crypto";function a(r){return t("sha256").update(r).digest("hex")}export{a};
