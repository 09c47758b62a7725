/**
 * `WWW-Authenticate` challenges (RFC 7235), as registries send them:
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"` or
 * `Basic realm="Registry Realm"`. Several challenges may share one header, separated by commas.
 */
export interface Challenge {
  /** Lower case: `basic`, `bearer`, … */
  scheme: string;
  /** Parameter names in lower case. */
  params: Record<string, string>;
}

const TOKEN = /[A-Za-z0-9!#$%&'*+.^_`|~-]+/y;
const PARAM = /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?/y;

export function parseChallenges(header: string | undefined): Challenge[] {
  if (header === undefined) return [];
  const out: Challenge[] = [];
  let i = 0;
  while (i < header.length) {
    while (header[i] === ' ' || header[i] === ',') i++;
    TOKEN.lastIndex = i;
    const scheme = TOKEN.exec(header);
    if (scheme === null) break;
    i = TOKEN.lastIndex;
    const params: Record<string, string> = {};
    for (;;) {
      PARAM.lastIndex = i;
      const m = PARAM.exec(header);
      if (m === null) break;
      const [, name = '', raw = ''] = m;
      params[name.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      i = PARAM.lastIndex;
    }
    out.push({ scheme: scheme[0].toLowerCase(), params });
  }
  return out;
}

/** The challenge we can answer best: Bearer over Basic; undefined when there is none. */
export function pickChallenge(header: string | undefined): Challenge | undefined {
  const all = parseChallenges(header);
  return all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
}
