/**
 * Credentials written into a URL (`http://user:pass@host/debian`): taken out of the URL before a request is
 * made (they travel as an Authorization header, to that origin only) and blanked in every URL we print.
 */
const MASK = '***';

/** `scheme://user:pass@host…` anywhere in a text → `scheme://***@host…`. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/** The URL with any userinfo blanked; text that is not a URL passes through the same rule. */
export function redactUrl(url: string | URL): string {
  return redactUrls(String(url));
}

/** Every `scheme://user:pass@` in `text` blanked. */
export function redactUrls(text: string): string {
  return text.replace(USERINFO, `$1${MASK}@`);
}

/** True when the URL carries a user name or password. */
export function hasCredentials(url: string | URL): boolean {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/**
 * The URL without its userinfo, and the Basic Authorization value made from it (undefined when it had none).
 * Percent-escapes in the userinfo are decoded, as a browser or curl would.
 */
export function splitCredentials(url: URL): { url: URL; authorization: string | undefined } {
  if (url.username === '' && url.password === '') return { url, authorization: undefined };
  const clean = new URL(url);
  clean.username = '';
  clean.password = '';
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { url: clean, authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}
