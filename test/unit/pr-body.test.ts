import { describe, expect, it } from '@jest/globals';
import type { LockDiff, PackageChange } from '../../src/lock/diff.js';
import { FOLD_ROWS, GITHUB_BODY_LIMIT, renderPrBody, summaryLine, TRACKER_URL } from '../../src/update-pr/body.js';
import { gitBlobSha } from '../../src/update-pr/github.js';

function change(name: string, extra: Partial<PackageChange> = {}): PackageChange {
  return {
    name,
    kind: 'updated',
    old: '1.0-1',
    new: '1.0-2',
    suite: 'bookworm',
    source: name,
    archs: ['amd64', 'arm64'],
    images: ['base'],
    ...extra,
  };
}

const bookworm: LockDiff = {
  distro: 'debian12',
  changes: [
    change('libc6', {
      old: '2.36-9+deb12u9',
      new: '2.36-9+deb12u10',
      suite: 'bookworm-security',
      source: 'glibc',
      images: ['base', 'cc', 'static'],
    }),
    change('libssl3', {
      old: '3.0.15-1~deb12u1',
      new: '3.0.16-1~deb12u1',
      suite: 'bookworm-security',
      source: 'openssl',
      archs: ['amd64'],
      images: ['cc'],
    }),
    change('tzdata', {
      old: '2024a-0+deb12u1',
      new: '2025b-0+deb12u1',
      suite: 'bookworm-updates',
      source: 'tzdata',
      images: ['static'],
    }),
    change('libzstd1', { kind: 'added', old: undefined, new: '1.5.4+dfsg2-5', images: ['cc'] }),
    change('libgdbm6', { kind: 'removed', old: '1.23-3', new: undefined, images: ['python'] }),
  ],
  closures: [
    { image: 'cc', archs: ['amd64', 'arm64'], added: ['libzstd1'], removed: [] },
    { image: 'python', archs: ['arm64'], added: [], removed: ['libgdbm6'] },
  ],
  snapshots: [
    { suite: 'bookworm', old: '20261120T000000Z', new: '20261127T000000Z' },
    { suite: 'bookworm-security', new: '20261127T060000Z' },
  ],
};

describe('PR body', () => {
  it('summarises counts: packages updated, images touched, security changes per suite', () => {
    expect(summaryLine([bookworm])).toBe(
      '3 packages updated (1 added, 1 removed) across 4 images; 2 from bookworm-security',
    );
    expect(summaryLine([{ distro: 'd', changes: [change('a')], closures: [], snapshots: [] }])).toBe(
      '1 package updated across 1 image',
    );
    expect(summaryLine([])).toBe('0 packages updated across 0 images');
  });

  it('has a row per change: arches, old → new in code spans, 🔒 and the tracker link for -security', () => {
    const body = renderPrBody([bookworm]);
    expect(body.startsWith('<!-- distroless-action:update -->\n**3 packages updated')).toBe(true);
    expect(body).toContain('### debian12');
    expect(body).toContain('| Package | Arch | Old → New | Suite | Images |');
    expect(body).toContain(
      `| \`libc6\` | amd64, arm64 | \`2.36-9+deb12u9\` → \`2.36-9+deb12u10\` | 🔒 \`bookworm-security\` ([glibc](${TRACKER_URL}glibc)) | base, cc, static |`,
    );
    expect(body).toContain(`([openssl](https://security-tracker.debian.org/tracker/openssl))`);
    expect(body).toContain(
      '| `tzdata` | amd64, arm64 | `2024a-0+deb12u1` → `2025b-0+deb12u1` | `bookworm-updates` | static |',
    );
    expect(body).toContain('| `libzstd1` | amd64, arm64 | (new) → `1.5.4+dfsg2-5` | `bookworm` | cc |');
    expect(body).toContain('| `libgdbm6` | amd64, arm64 | `1.23-3` → (removed) | `bookworm` | python |');
    expect(body.match(/🔒/g)).toHaveLength(2);
    expect(body).not.toContain('<details>');
  });

  it('lists closure changes per image and the snapshot ids', () => {
    const body = renderPrBody([bookworm]);
    expect(body).toContain('**5 package changes**\n\n| Package |');
    expect(body).toContain('**2 closure changes**\n\n| Image | Arch | Added | Removed |');
    expect(body).toContain('**2 snapshots**\n\n| Suite | Old snapshot | New snapshot |');
    expect(body).toContain('| `cc` | amd64, arm64 | `libzstd1` | — |');
    expect(body).toContain('| `python` | arm64 | — | `libgdbm6` |');
    expect(body).toContain('| `bookworm` | `20261120T000000Z` | `20261127T000000Z` |');
    expect(body).toContain('| `bookworm-security` | (none) | `20261127T060000Z` |');
  });

  it('escapes table pipes and skips distros without changes', () => {
    const odd: LockDiff = { distro: 'x', changes: [change('we|rd')], closures: [], snapshots: [] };
    const none: LockDiff = { distro: 'quiet', changes: [], closures: [], snapshots: [{ suite: 's', new: 'n' }] };
    const body = renderPrBody([odd, none]);
    expect(body).toContain('| `we\\|rd` |');
    expect(body).not.toContain('### quiet');
  });

  it('folds a table longer than FOLD_ROWS into <details>', () => {
    const many: LockDiff = {
      distro: 'big',
      changes: Array.from({ length: FOLD_ROWS + 1 }, (_, i) => change(`pkg${i}`)),
      closures: [],
      snapshots: [],
    };
    const body = renderPrBody([many]);
    expect(body).toContain(`<details><summary>${FOLD_ROWS + 1} package changes</summary>\n\n| Package |`);
    expect(body).toContain('| `pkg25` |');
    expect(body.match(/<details>/g)).toHaveLength(1);
    expect(body.match(/<\/details>/g)).toHaveLength(1);
  });

  it('stays under GitHub 65,536-character limit, dropping rows with a note', () => {
    const changes = Array.from({ length: 3000 }, (_, i) =>
      change(`package-with-a-long-name-${i}`, {
        suite: 'bookworm-security',
        source: `source-${i}`,
        images: ['base', 'cc', 'python', 'java', 'nodejs'],
      }),
    );
    const body = renderPrBody([{ distro: 'huge', changes, closures: [], snapshots: [] }]);
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(body).toContain('**3000 packages updated across 5 images; 3000 from bookworm-security**');
    const shown = body.match(/^\| `package-with-a-long-name-/gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(100);
    expect(shown).toBeLessThan(3000);
    expect(body).toContain(`> ${3000 - shown} more rows not shown: GitHub limits a PR body to 65536 characters.`);
    expect(body.trimEnd().endsWith('The lockfile diff in this PR has everything.')).toBe(true);
    expect(body.match(/<details>/g)).toHaveLength(1);
    expect(body.match(/<\/details>/g)).toHaveLength(1);
    // A smaller limit (tests, or a caller that appends its own text) is honoured too.
    expect(
      renderPrBody([{ distro: 'huge', changes, closures: [], snapshots: [] }], { limit: 5000 }).length,
    ).toBeLessThanOrEqual(5000);
  });
});

describe('PR body with changelogs', () => {
  const entry = (version: string, lines: string[]) => ({
    source: 's',
    version,
    distributions: 'bookworm-security',
    urgency: 'high',
    lines,
    maintainer: 'M <m@x>',
    date: 'Mon, 01 Jan 2026 00:00:00 +0000',
  });

  it('renders entries folded per source, CVE ids linked, Markdown in the text escaped', () => {
    const diff: LockDiff = {
      ...bookworm,
      changelogs: [
        {
          source: 'glibc',
          old: '2.36-9+deb12u9',
          new: '2.36-9+deb12u10',
          security: true,
          entries: [entry('2.36-9+deb12u10', ['  * Fix CVE-2026-0001 in <stdio> *really*.', '    more | text'])],
          cves: ['CVE-2026-0001'],
          from: 'libc6 amd64',
        },
      ],
    };
    const body = renderPrBody([diff]);
    expect(body).toContain('; 1 CVE fixed**');
    expect(body).toContain(
      '<details><summary>🔒 <b>glibc</b> <code>2.36-9+deb12u9</code> → <code>2.36-9+deb12u10</code>: 1 entry, 1 CVE</summary>',
    );
    expect(body).toContain(
      `- Fix [CVE-2026-0001](${TRACKER_URL}CVE-2026-0001) in \\<stdio\\> \\*really\\*. more \\| text\n`,
    );
  });

  it('hundreds of changes: the table stays whole, CVE links before full text, security first, under the limit', () => {
    const n = 400;
    const changes = Array.from({ length: n }, (_, i) =>
      change(`package-${i}`, {
        source: `source-${i}`,
        suite: i % 4 === 0 ? 'bookworm-security' : 'bookworm',
        images: ['base', 'cc', 'python', 'java', 'nodejs', 'static'],
      }),
    );
    const lines = Array.from(
      { length: 30 },
      (_, k) => `  * A long line of changelog text, item ${k}, describing a fix.`,
    );
    const changelogs = changes.map((c, i) => ({
      source: c.source,
      old: '1.0-1',
      new: '1.0-2',
      security: i % 4 === 0,
      entries: [entry('1.0-2', i % 4 === 0 ? [...lines, `  * CVE-2026-${10000 + i}`] : lines)],
      cves: i % 4 === 0 ? [`CVE-2026-${10000 + i}`] : [],
    }));
    const body = renderPrBody([{ distro: 'd', changes, closures: [], snapshots: [], changelogs }]);
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    // Every table row is there (the Images column went first).
    expect(body.match(/^\| `package-\d+` \|/gm)).toHaveLength(n);
    expect(body).not.toContain('| Images |');
    // Every security source's CVE link is there; the full text of some sources is not.
    for (let i = 0; i < n; i += 4)
      expect(body).toContain(`[CVE-2026-${10000 + i}](${TRACKER_URL}CVE-2026-${10000 + i})`);
    expect(body).toContain('_Entries left out: GitHub limits a PR body to 65536 characters._');
    expect(body).not.toMatch(/more rows? not shown/);
    expect(body).toMatch(/> The changelogs of \d+ more source packages are not shown/);
  });
});

describe('gitBlobSha', () => {
  it('is the SHA-1 git gives a blob (git hash-object)', () => {
    expect(gitBlobSha('')).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(gitBlobSha('hello\n')).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });
});

describe('PR body without package changes', () => {
  it('says why the lockfiles changed anyway', () => {
    const body = renderPrBody([
      { distro: 'd', changes: [], closures: [], snapshots: [{ suite: 's', old: 'a', new: 'b' }] },
    ]);
    expect(body).toContain('**0 packages updated across 0 images**');
    expect(body).toContain(
      'No package changed: the lockfiles record new index hashes, snapshot ids or a new config digest.',
    );
  });
});
