/** OCI distribution-spec client: transport, auth, keychains, blob/manifest operations and pushing a set of targets. */
export {
  RegistryClient,
  MANIFEST_MEDIA_TYPES,
  type BlobContent,
  type ManifestInfo,
  type RegistryClientOptions,
} from './client.js';
export {
  pushTargets,
  type PushEvent,
  type PushOptions,
  type PushSource,
  type PushStats,
  type PushTarget,
  type PushedTag,
} from './push.js';
export { RegistryError, isRegistryError, ERROR_BODY_LIMIT, type RegistryDiagnostic } from './errors.js';
export { Secrets, capText } from './secrets.js';
export { DEFAULT_RETRY, FAST_RETRY, type RetryEvent, type RetryPolicy } from './retry.js';
export {
  checkRepository,
  checkTag,
  parseRegistryTarget,
  refuseCredentials,
  repositoryName,
  type RegistryTarget,
} from './names.js';
export { parseChallenges, pickChallenge, type Challenge } from './auth/challenge.js';
export { ANONYMOUS, type Authenticator, type Credential } from './auth/authenticator.js';
export {
  anonymousKeychain,
  chainKeychains,
  githubKeychain,
  normalizeRegistry,
  staticKeychain,
  type Keychain,
} from './auth/keychain.js';
export { dockerConfigKeychain, runCredentialHelper, type CredentialHelperRunner } from './auth/docker-config.js';
export { dockerConfigPath, keychainFromEnvironment, type CredentialInputs } from './auth/environment.js';
export type { Method, RegistryRequest, RegistryResponse, RequestBody, Transport } from './transport.js';
