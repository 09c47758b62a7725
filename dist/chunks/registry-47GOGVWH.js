import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  ANONYMOUS,
  ERROR_BODY_LIMIT,
  MANIFEST_MEDIA_TYPES,
  RegistryClient,
  RegistryError,
  Secrets,
  anonymousKeychain,
  capText,
  chainKeychains,
  checkRepository,
  checkTag,
  dockerConfigKeychain,
  dockerConfigPath,
  githubKeychain,
  isRegistryError,
  keychainFromEnvironment,
  normalizeRegistry,
  parseChallenges,
  parseRegistryTarget,
  pickChallenge,
  pushTargets,
  repositoryName,
  runCredentialHelper,
  staticKeychain
} from "./chunk-XZB375P5.js";
import {
  DEFAULT_RETRY,
  FAST_RETRY
} from "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  ANONYMOUS,
  DEFAULT_RETRY,
  ERROR_BODY_LIMIT,
  FAST_RETRY,
  MANIFEST_MEDIA_TYPES,
  RegistryClient,
  RegistryError,
  Secrets,
  anonymousKeychain,
  capText,
  chainKeychains,
  checkRepository,
  checkTag,
  dockerConfigKeychain,
  dockerConfigPath,
  githubKeychain,
  isRegistryError,
  keychainFromEnvironment,
  normalizeRegistry,
  parseChallenges,
  parseRegistryTarget,
  pickChallenge,
  pushTargets,
  repositoryName,
  runCredentialHelper,
  staticKeychain
};
