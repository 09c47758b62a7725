import { describe, expect, it } from '@jest/globals';
import { FAST_RETRY, describeNetworkError, redactUrl, retry, splitCredentials } from '../../src/util/http/index.js';

const noSleep = (): Promise<void> => Promise.resolve();

describe('the one retry loop', () => {
  it('retries what the judge says, up to the policy tries, and reports each wait', async () => {
    const waits: number[] = [];
    let tries = 0;
    const { outcome, attempts } = await retry(
      { policy: FAST_RETRY, sleep: noSleep, onRetry: (e) => waits.push(e.attempt) },
      async () => {
        tries++;
        throw new Error('boom');
      },
      () => ({ retry: true, reason: 'boom' }),
    );
    expect(outcome.ok).toBe(false);
    expect([tries, attempts]).toEqual([FAST_RETRY.attempts, FAST_RETRY.attempts]);
    expect(waits).toEqual([1, 2, 3]);
  });

  it('a loop inside a running loop makes one try: failures are tried attempts times, not attempts squared', async () => {
    let inner = 0;
    const { attempts } = await retry(
      { policy: FAST_RETRY, sleep: noSleep },
      async () => {
        const nested = await retry(
          { policy: FAST_RETRY, sleep: noSleep },
          async () => {
            inner++;
            throw new Error('reset');
          },
          () => ({ retry: true, reason: 'reset' }),
        );
        if (!nested.outcome.ok) throw nested.outcome.error;
      },
      () => ({ retry: true, reason: 'reset' }),
    );
    expect(attempts).toBe(FAST_RETRY.attempts);
    expect(inner).toBe(FAST_RETRY.attempts);
  });

  it('stops at once when the judge says so, and honours Retry-After (capped)', async () => {
    const delays: number[] = [];
    let n = 0;
    const { attempts } = await retry(
      { policy: FAST_RETRY, sleep: noSleep, onRetry: (e) => delays.push(e.delayMs) },
      async () => ++n,
      (o) => (o.ok && o.value < 3 ? { retry: true, reason: '503', retryAfterMs: 60_000 } : { retry: false }),
    );
    expect(attempts).toBe(3);
    expect(delays).toEqual([FAST_RETRY.maxRetryAfterMs, FAST_RETRY.maxRetryAfterMs]);
  });
});

describe('URLs and failures as printed', () => {
  it('blanks userinfo and moves it into a Basic header', () => {
    expect(redactUrl('http://u:p%40ss@host:8080/debian')).toBe('http://***@host:8080/debian');
    expect(redactUrl('https://deb.debian.org/debian')).toBe('https://deb.debian.org/debian');
    const { url, authorization } = splitCredentials(new URL('http://u:p%40ss@host/debian'));
    expect(url.toString()).toBe('http://host/debian');
    expect(authorization).toBe(`Basic ${Buffer.from('u:p@ss').toString('base64')}`);
  });

  it('describes a network failure by its cause, a timeout by what timed out', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    expect(describeNetworkError(refused)).toBe('connect ECONNREFUSED 127.0.0.1:1');
    expect(describeNetworkError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe(
      'timed out waiting for the response headers',
    );
  });
});
