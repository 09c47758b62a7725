/**
 * Secrets that must never be printed: credentials from the keychain, tokens the registry's token service hands
 * out, and the Authorization values made from them. The client adds each one as it learns it; the caller can
 * add its own and read the list to mask it in its logs (e.g. `core.setSecret` in the Action). `redact` also
 * blanks what looks like a credential even when it was never added (Authorization values, JWTs, token fields
 * of a JSON body), so that a registry echoing a header back cannot leak it through an error message.
 */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)[^\r\n"',}]*/gi, `$1$2${MASK}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${MASK}`],
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK],
  [
    /("(?:token|access_token|refresh_token|identitytoken|registrytoken|password|secret|auth)"\s*:\s*")[^"]*"/gi,
    `$1${MASK}"`,
  ],
  [/([?&](?:token|access_token|refresh_token|password|secret)=)[^&\s]*/gi, `$1${MASK}`],
];

export class Secrets {
  private readonly values = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const v of initial) this.add(v);
  }

  /** Remembers a secret (too short ones are ignored: masking "ab" everywhere would garble every message). */
  add(value: string | undefined): void {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) return;
    this.values.add(value);
    // The same secret as it travels in a Basic header or an URL.
    this.values.add(Buffer.from(value, 'utf8').toString('base64'));
    const encoded = encodeURIComponent(value);
    if (encoded !== value) this.values.add(encoded);
  }

  /** Adds the `user:password` pair the way a Basic Authorization header carries it. */
  addBasic(username: string, password: string): void {
    this.add(password);
    this.values.add(Buffer.from(`${username}:${password}`, 'utf8').toString('base64'));
  }

  /** Every secret known so far (for the caller to mask in its own output). */
  list(): string[] {
    return [...this.values];
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is masked whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(MASK);
    for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
    return out;
  }
}

/** At most `max` characters of `text`, saying how much was cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
