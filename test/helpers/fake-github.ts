/**
 * A stateful fake of the parts of the GitHub REST API the update bot uses, served with node:http on
 * 127.0.0.1. It stands in for api.github.com, which is unreachable here. One repository, real git object
 * hashing (blob/tree/commit SHA-1s as git computes them, so the client can compare blob SHAs offline):
 *
 * - git refs: GET /git/ref/{ref}, POST /git/refs, PATCH /git/refs/{ref} (fast-forward check unless force),
 *   DELETE /git/refs/{ref}
 * - git objects: POST/GET /git/blobs, POST /git/trees (base_tree, nested paths, sha: null deletes),
 *   GET /git/trees/{sha} (recursive too), POST/GET /git/commits (with a `verification` block)
 * - pulls: GET /pulls (state, head "owner:branch", base filters), POST /pulls (422 on a duplicate open PR or
 *   a missing head), GET/PATCH /pulls/{n} (title, body, state)
 * - labels: GET/POST /issues/{n}/labels
 *
 * Responses follow GitHub's JSON shapes (the fields octokit's types name; URLs point at this server);
 * errors are GitHub's `{ message, documentation_url, status }`. Requests need `authorization: token <t>`.
 * `fail()` injects error answers (5xx, rate limits) for the retry and throttling plugins.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type GitObject =
  | { type: 'blob'; content: Buffer }
  | { type: 'tree'; entries: TreeEntry[] }
  | { type: 'commit'; tree: string; parents: string[]; message: string; date: string };
interface TreeEntry {
  name: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
}

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  title: string;
  body: string | null;
  head: string;
  base: string;
  labels: string[];
  created: string;
  updated: string;
  closed: string | null;
}

export interface Injected {
  method?: string;
  path: RegExp;
  status: number;
  headers?: Record<string, string>;
  message?: string;
  times?: number;
}

export interface FakeGitHub {
  /** http://127.0.0.1:<port> (octokit's baseUrl). */
  url: string;
  owner: string;
  repo: string;
  token: string;
  /** Every request as "METHOD /path" (path decoded, query included), in order. */
  readonly log: readonly string[];
  /** Requests that are not GET. */
  writes(): string[];
  resetLog(): void;
  /** Commits `files` on top of `branch` (creating it when absent), as a person pushing would. */
  push(branch: string, files: Record<string, string>, message?: string): string;
  branchSha(branch: string): string | undefined;
  commit(sha: string): { tree: string; parents: string[]; message: string };
  /** The text of the file at `path` in the commit `sha` (undefined when absent). */
  readFile(sha: string, path: string): string | undefined;
  pulls(): FakePull[];
  fail(fault: Injected): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startFakeGitHub(
  opts: { owner?: string; repo?: string; token?: string } = {},
): Promise<FakeGitHub> {
  const owner = opts.owner ?? 'acme';
  const repo = opts.repo ?? 'images';
  const token = opts.token ?? 'test-token';
  const objects = new Map<string, GitObject>();
  const refs = new Map<string, string>();
  const pulls: FakePull[] = [];
  const log: string[] = [];
  const faults: Injected[] = [];
  let clock = Date.parse('2026-11-21T06:00:00Z');
  const tick = (): string => new Date((clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let base = '';

  const store = (obj: GitObject): string => {
    const body = encode(obj);
    const sha = createHash('sha1').update(`${obj.type} ${body.length}\0`).update(body).digest('hex');
    objects.set(sha, obj);
    return sha;
  };
  const get = <T extends GitObject['type']>(sha: string, type: T): Extract<GitObject, { type: T }> => {
    const obj = objects.get(sha);
    if (!obj || obj.type !== type) throw new HttpError(404, 'Not Found');
    return obj as Extract<GitObject, { type: T }>;
  };

  /** Applies path → blob sha (undefined: delete) edits to a tree, building subtrees as needed. */
  const editTree = (treeSha: string | undefined, edits: Map<string, string | undefined>): string => {
    const entries = new Map((treeSha ? get(treeSha, 'tree').entries : []).map((e) => [e.name, e]));
    const sub = new Map<string, Map<string, string | undefined>>();
    for (const [path, sha] of edits) {
      const [head, ...rest] = path.split('/');
      if (!head) throw new HttpError(422, `Invalid tree path "${path}"`);
      if (rest.length === 0) {
        if (sha === undefined) entries.delete(head);
        else entries.set(head, { name: head, mode: '100644', type: 'blob', sha });
      } else {
        const m = sub.get(head) ?? new Map<string, string | undefined>();
        m.set(rest.join('/'), sha);
        sub.set(head, m);
      }
    }
    for (const [name, m] of sub) {
      const prev = entries.get(name);
      const child = editTree(prev?.type === 'tree' ? prev.sha : undefined, m);
      if (get(child, 'tree').entries.length === 0) entries.delete(name);
      else entries.set(name, { name, mode: '040000', type: 'tree', sha: child });
    }
    return store({ type: 'tree', entries: [...entries.values()].sort(gitOrder) });
  };

  const makeCommit = (tree: string, parents: string[], message: string): string =>
    store({ type: 'commit', tree, parents, message, date: tick() });

  const push = (branch: string, files: Record<string, string>, message = 'push'): string => {
    const head = refs.get(`refs/heads/${branch}`);
    const edits = new Map(
      Object.entries(files).map(([path, text]) => [path, store({ type: 'blob', content: Buffer.from(text) })] as const),
    );
    const tree = editTree(head ? get(head, 'commit').tree : undefined, edits);
    const sha = makeCommit(tree, head ? [head] : [], message);
    refs.set(`refs/heads/${branch}`, sha);
    return sha;
  };

  const api = (path: string): string => `${base}/repos/${owner}/${repo}${path}`;
  const html = (path: string): string => `https://github.test/${owner}/${repo}${path}`;
  const user = { login: 'github-actions[bot]', id: 41898282, type: 'Bot', site_admin: false };
  const repoJson = {
    id: 1,
    node_id: 'R_1',
    name: repo,
    full_name: `${owner}/${repo}`,
    private: false,
    owner: { login: owner, id: 2, type: 'Organization' },
    html_url: html(''),
    url: api(''),
  };

  const refJson = (ref: string, sha: string): object => ({
    ref,
    node_id: `REF_${ref}`,
    url: api(`/git/${ref}`),
    object: { sha, type: 'commit', url: api(`/git/commits/${sha}`) },
  });
  const commitJson = (sha: string): object => {
    const c = get(sha, 'commit');
    const who = {
      name: 'github-actions[bot]',
      email: '41898282+github-actions[bot]@users.noreply.github.com',
      date: c.date,
    };
    return {
      sha,
      node_id: `C_${sha}`,
      url: api(`/git/commits/${sha}`),
      html_url: html(`/commit/${sha}`),
      author: who,
      committer: { name: 'GitHub', email: 'noreply@github.com', date: c.date },
      message: c.message,
      tree: { sha: c.tree, url: api(`/git/trees/${c.tree}`) },
      parents: c.parents.map((p) => ({ sha: p, url: api(`/git/commits/${p}`), html_url: html(`/commit/${p}`) })),
      verification: {
        verified: true,
        reason: 'valid',
        signature: '-----BEGIN PGP SIGNATURE-----\n(fake)\n-----END PGP SIGNATURE-----',
        payload: encode(c).toString(),
        verified_at: c.date,
      },
    };
  };
  const treeJson = (sha: string, recursive: boolean): object => {
    const walk = (tsha: string, prefix: string): object[] =>
      get(tsha, 'tree').entries.flatMap((e) => {
        const item = {
          path: prefix + e.name,
          mode: e.mode,
          type: e.type,
          sha: e.sha,
          url: api(`/git/${e.type}s/${e.sha}`),
          ...(e.type === 'blob' ? { size: get(e.sha, 'blob').content.length } : {}),
        };
        return recursive && e.type === 'tree' ? [item, ...walk(e.sha, `${prefix}${e.name}/`)] : [item];
      });
    return { sha, url: api(`/git/trees/${sha}`), tree: walk(sha, ''), truncated: false };
  };
  const labelJson = (name: string): object => ({
    id: hashId(name),
    node_id: `LA_${name}`,
    url: api(`/labels/${encodeURIComponent(name)}`),
    name,
    color: 'ededed',
    default: false,
    description: null,
  });
  const pullJson = (p: FakePull): object => {
    const branchRef = (ref: string): object => ({
      label: `${owner}:${ref}`,
      ref,
      sha: refs.get(`refs/heads/${ref}`) ?? '0'.repeat(40),
      user: repoJson.owner,
      repo: repoJson,
    });
    return {
      url: api(`/pulls/${p.number}`),
      id: 1000 + p.number,
      node_id: `PR_${p.number}`,
      html_url: html(`/pull/${p.number}`),
      issue_url: api(`/issues/${p.number}`),
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user,
      body: p.body,
      labels: p.labels.map(labelJson),
      created_at: p.created,
      updated_at: p.updated,
      closed_at: p.closed,
      merged_at: null,
      draft: false,
      head: branchRef(p.head),
      base: branchRef(p.base),
      author_association: 'CONTRIBUTOR',
    };
  };
  const findPull = (n: string): FakePull => {
    const p = pulls.find((x) => x.number === Number(n));
    if (!p) throw new HttpError(404, 'Not Found');
    return p;
  };

  type Handler = (m: RegExpMatchArray, body: Record<string, unknown>, query: URLSearchParams) => [number, unknown];
  const routes: Array<[string, RegExp, Handler]> = [
    [
      'GET',
      /^\/git\/ref\/(.+)$/,
      (m) => {
        const ref = `refs/${m[1]}`;
        const sha = refs.get(ref);
        if (!sha) throw new HttpError(404, 'Not Found');
        return [200, refJson(ref, sha)];
      },
    ],
    [
      'POST',
      /^\/git\/refs$/,
      (_m, b) => {
        const ref = str(b, 'ref');
        const sha = str(b, 'sha');
        if (!/^refs\/.+/.test(ref)) throw new HttpError(422, 'Reference name must start with refs/');
        if (refs.has(ref)) throw new HttpError(422, 'Reference already exists');
        get(sha, 'commit');
        refs.set(ref, sha);
        return [201, refJson(ref, sha)];
      },
    ],
    [
      'PATCH',
      /^\/git\/refs\/(.+)$/,
      (m, b) => {
        const ref = `refs/${m[1]}`;
        const old = refs.get(ref);
        if (!old) throw new HttpError(422, 'Reference does not exist');
        const sha = str(b, 'sha');
        get(sha, 'commit');
        if (b.force !== true && !isAncestor(old, sha)) throw new HttpError(422, 'Update is not a fast forward');
        refs.set(ref, sha);
        return [200, refJson(ref, sha)];
      },
    ],
    [
      'DELETE',
      /^\/git\/refs\/(.+)$/,
      (m) => {
        if (!refs.delete(`refs/${m[1]}`)) throw new HttpError(422, 'Reference does not exist');
        return [204, undefined];
      },
    ],
    [
      'POST',
      /^\/git\/blobs$/,
      (_m, b) => {
        const encoding = b.encoding ?? 'utf-8';
        if (encoding !== 'utf-8' && encoding !== 'base64')
          throw new HttpError(422, `Invalid encoding "${String(encoding)}"`);
        const sha = store({
          type: 'blob',
          content: Buffer.from(str(b, 'content'), encoding === 'base64' ? 'base64' : 'utf8'),
        });
        return [201, { sha, url: api(`/git/blobs/${sha}`) }];
      },
    ],
    [
      'GET',
      /^\/git\/blobs\/([0-9a-f]{40})$/,
      (m) => {
        const blob = get(m[1] ?? '', 'blob');
        return [
          200,
          {
            sha: m[1],
            node_id: `B_${m[1]}`,
            size: blob.content.length,
            url: api(`/git/blobs/${m[1]}`),
            content: blob.content.toString('base64'),
            encoding: 'base64',
          },
        ];
      },
    ],
    [
      'POST',
      /^\/git\/trees$/,
      (_m, b) => {
        const baseTree = b.base_tree === undefined ? undefined : str(b, 'base_tree');
        if (baseTree !== undefined) get(baseTree, 'tree');
        const edits = new Map<string, string | undefined>();
        for (const item of Array.isArray(b.tree) ? (b.tree as Array<Record<string, unknown>>) : []) {
          if (item.type !== 'blob' || item.mode !== '100644')
            throw new HttpError(422, 'this fake takes 100644 blobs only');
          if (typeof item.content === 'string')
            edits.set(str(item, 'path'), store({ type: 'blob', content: Buffer.from(item.content) }));
          else if (item.sha === null) edits.set(str(item, 'path'), undefined);
          else edits.set(str(item, 'path'), (get(str(item, 'sha'), 'blob'), str(item, 'sha')));
        }
        const sha = editTree(baseTree, edits);
        return [201, treeJson(sha, false)];
      },
    ],
    ['GET', /^\/git\/trees\/([0-9a-f]{40})$/, (m, _b, q) => [200, treeJson(m[1] ?? '', q.has('recursive'))]],
    [
      'POST',
      /^\/git\/commits$/,
      (_m, b) => {
        const tree = str(b, 'tree');
        get(tree, 'tree');
        const parents = Array.isArray(b.parents) ? b.parents.map(String) : [];
        parents.forEach((p) => get(p, 'commit'));
        return [201, commitJson(makeCommit(tree, parents, str(b, 'message')))];
      },
    ],
    ['GET', /^\/git\/commits\/([0-9a-f]{40})$/, (m) => [200, commitJson(m[1] ?? '')]],
    [
      'GET',
      /^\/pulls$/,
      (_m, _b, q) => {
        const state = q.get('state') ?? 'open';
        const head = q.get('head');
        const baseRef = q.get('base');
        const list = pulls.filter(
          (p) =>
            (state === 'all' || p.state === state) &&
            (!head || `${owner}:${p.head}` === head) &&
            (!baseRef || p.base === baseRef),
        );
        return [200, list.sort((a, b) => b.number - a.number).map(pullJson)];
      },
    ],
    [
      'POST',
      /^\/pulls$/,
      (_m, b) => {
        const head = str(b, 'head').replace(new RegExp(`^${owner}:`), '');
        const baseRef = str(b, 'base');
        const headSha = refs.get(`refs/heads/${head}`);
        const baseSha = refs.get(`refs/heads/${baseRef}`);
        if (!headSha || !baseSha) throw new HttpError(422, 'Validation Failed: head or base does not exist');
        if (headSha === baseSha)
          throw new HttpError(422, `Validation Failed: No commits between ${baseRef} and ${head}`);
        if (pulls.some((p) => p.state === 'open' && p.head === head && p.base === baseRef))
          throw new HttpError(422, `Validation Failed: A pull request already exists for ${owner}:${head}.`);
        const now = tick();
        const p: FakePull = {
          number: pulls.length + 1,
          state: 'open',
          title: str(b, 'title'),
          body: typeof b.body === 'string' ? b.body : null,
          head,
          base: baseRef,
          labels: [],
          created: now,
          updated: now,
          closed: null,
        };
        pulls.push(p);
        return [201, pullJson(p)];
      },
    ],
    ['GET', /^\/pulls\/(\d+)$/, (m) => [200, pullJson(findPull(m[1] ?? ''))]],
    [
      'PATCH',
      /^\/pulls\/(\d+)$/,
      (m, b) => {
        const p = findPull(m[1] ?? '');
        if (typeof b.title === 'string') p.title = b.title;
        if (typeof b.body === 'string') p.body = b.body;
        if (b.state === 'closed' || b.state === 'open') {
          if (b.state !== p.state) p.closed = b.state === 'closed' ? tick() : null;
          p.state = b.state;
        }
        p.updated = tick();
        return [200, pullJson(p)];
      },
    ],
    ['GET', /^\/issues\/(\d+)\/labels$/, (m) => [200, findPull(m[1] ?? '').labels.map(labelJson)]],
    [
      'POST',
      /^\/issues\/(\d+)\/labels$/,
      (m, b) => {
        const p = findPull(m[1] ?? '');
        const names = Array.isArray(b.labels) ? b.labels.map(String) : [];
        for (const n of names) if (!p.labels.includes(n)) p.labels.push(n);
        return [200, p.labels.map(labelJson)];
      },
    ],
  ];

  function isAncestor(ancestor: string, sha: string): boolean {
    const seen = new Set<string>();
    const stack = [sha];
    while (stack.length > 0) {
      const cur = stack.pop() ?? '';
      if (cur === ancestor) return true;
      if (seen.has(cur)) continue;
      seen.add(cur);
      stack.push(...get(cur, 'commit').parents);
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    // octokit percent-encodes `{ref}` (heads%2Fmain); GitHub accepts either form.
    const pathname = decodeURIComponent(url.pathname);
    log.push(`${method} ${pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = faults.find((f) => (!f.method || f.method === method) && f.path.test(pathname) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      return send(
        res,
        fault.status,
        {
          message: fault.message ?? 'Server Error',
          documentation_url: 'https://docs.github.com/rest',
          status: String(fault.status),
        },
        fault.headers,
      );
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`)
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    const prefix = `/repos/${owner}/${repo}`;
    const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : undefined;
    try {
      const body =
        chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      for (const [m, re, handler] of routes) {
        const match = path === undefined || m !== method ? null : path.match(re);
        if (match) {
          const [status, json] = handler(match, body, url.searchParams);
          return send(res, status, json);
        }
      }
      throw new HttpError(404, 'Not Found');
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      send(res, status, {
        message: e instanceof Error ? e.message : String(e),
        documentation_url: 'https://docs.github.com/rest',
        status: String(status),
      });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    owner,
    repo,
    token,
    log,
    writes: () => log.filter((l) => !l.startsWith('GET ')),
    resetLog: () => void log.splice(0),
    push,
    branchSha: (branch) => refs.get(`refs/heads/${branch}`),
    commit: (sha) => {
      const c = get(sha, 'commit');
      return { tree: c.tree, parents: [...c.parents], message: c.message };
    },
    readFile: (sha, path) => {
      let tree = get(sha, 'commit').tree;
      const parts = path.split('/');
      for (const [i, name] of parts.entries()) {
        const e = get(tree, 'tree').entries.find((x) => x.name === name);
        if (!e) return undefined;
        if (i === parts.length - 1) return e.type === 'blob' ? get(e.sha, 'blob').content.toString('utf8') : undefined;
        tree = e.sha;
      }
      return undefined;
    },
    pulls: () => pulls.map((p) => ({ ...p, labels: [...p.labels] })),
    fail: (fault) => void faults.push({ ...fault }),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const text = json === undefined ? '' : JSON.stringify(json);
  res.writeHead(status, {
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    ...headers,
  });
  res.end(text);
}

/** Git's object encodings (what the SHA-1 is taken over). */
function encode(obj: GitObject): Buffer {
  if (obj.type === 'blob') return obj.content;
  if (obj.type === 'tree') {
    return Buffer.concat(
      obj.entries.flatMap((e) => [
        Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`),
        Buffer.from(e.sha, 'hex'),
      ]),
    );
  }
  const stamp = `${Math.floor(Date.parse(obj.date) / 1000)} +0000`;
  const lines = [
    `tree ${obj.tree}`,
    ...obj.parents.map((p) => `parent ${p}`),
    `author github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com> ${stamp}`,
    `committer GitHub <noreply@github.com> ${stamp}`,
  ];
  return Buffer.from(`${lines.join('\n')}\n\n${obj.message}`);
}

/** Git sorts tree entries by name, comparing a subtree's name as if it ended in "/". */
function gitOrder(a: TreeEntry, b: TreeEntry): number {
  const key = (e: TreeEntry): string => (e.type === 'tree' ? `${e.name}/` : e.name);
  return Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b)));
}

function str(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string') throw new HttpError(422, `Invalid request: "${field}" must be a string`);
  return v;
}

function hashId(name: string): number {
  return parseInt(createHash('sha1').update(name).digest('hex').slice(0, 8), 16);
}
