/**
 * How a command reaches a registry (credentials, plain http, retries), and the one place that turns that into
 * a RegistryClient: push, assemble, publish, sign and verify all connect the same way.
 */
import { RegistryClient, type Keychain, type RetryEvent, type RetryPolicy, type Secrets } from '../registry/index.js';

export interface RegistryAccess {
  keychain?: Keychain;
  /** Plain http (a registry on this machine). */
  insecure?: boolean;
  retry?: RetryPolicy;
  /** Gets every credential and token used, for the caller to mask. */
  secrets?: Secrets;
  userAgent?: string;
}

/** A client for `host`; retries are reported to `onRetry`. */
export function connect(host: string, access: RegistryAccess, extra: { onRetry?: (e: RetryEvent) => void; chunkThreshold?: number; chunkSize?: number } = {}): RegistryClient {
  return new RegistryClient({
    registry: host,
    insecure: access.insecure,
    keychain: access.keychain,
    retry: access.retry,
    secrets: access.secrets,
    userAgent: access.userAgent,
    chunkThreshold: extra.chunkThreshold,
    chunkSize: extra.chunkSize,
    onRetry: extra.onRetry,
  });
}
