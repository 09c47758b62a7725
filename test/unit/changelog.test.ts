import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { cvesOf, entriesNewerThan, parseChangelog } from '../../src/debian/changelog.js';

/** A changelog as Debian ships it (shape of openssl's in bookworm), newest first. */
export const OPENSSL_CHANGELOG = `openssl (3.0.17-1~deb12u3) bookworm-security; urgency=medium

  * CVE-2025-9230 (Out-of-bounds read & write in RFC 3211 KEK Unwrap).
  * CVE-2025-9232 (Out-of-bounds read in HTTP client no_proxy handling).

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Tue, 30 Sep 2025 21:53:42 +0200

openssl (3.0.17-1~deb12u2) bookworm; urgency=medium

  [ Sebastian Andrzej Siewior ]
  * Make build reproducible (Closes: #1106185).
    Second line of the same item.
  * Revert "Remove -fzero-call-used-regs" from CFLAGS.

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sun, 20 Jul 2025 18:38:27 +0200

openssl (3.0.17-1~deb12u1) bookworm; urgency=medium

  * Import 3.0.17
    - CVE-2025-4575 (Fix -addreject, was -addtrust).

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Fri, 04 Jul 2025 22:53:53 +0200

openssl (3.0.16-1~deb12u1) bookworm; urgency=medium

  * Import 3.0.16
    - CVE-2024-13176 (Timing side-channel in ECDSA signature computation).
    - CVE-2024-9143 (Low-level invalid GF(2^m) parameters lead to OOB memory access).

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Sat, 15 Feb 2025 12:56:13 +0100

openssl (3.0.15-1~deb12u1) bookworm; urgency=medium

  * Import 3.0.15
    - CVE-2024-5535 (SSL_select_next_proto buffer overread).

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Tue, 03 Sep 2024 21:26:57 +0200

openssl (3.0.14-1~deb12u2) bookworm; urgency=medium

  * CVE-2024-5535 follow-up.

 -- Sebastian Andrzej Siewior <sebastian@breakpoint.cc>  Tue, 20 Aug 2024 21:26:57 +0200

Old Changelog:

Fri Jun 16 1998 free text that is not an entry (version 0.9.1c-1)
`;

describe('parseChangelog', () => {
  it('reads version, distribution, urgency, lines and trailer of each entry, and stops at free text', () => {
    const entries = parseChangelog(OPENSSL_CHANGELOG);
    expect(entries.map((e) => e.version)).toEqual([
      '3.0.17-1~deb12u3',
      '3.0.17-1~deb12u2',
      '3.0.17-1~deb12u1',
      '3.0.16-1~deb12u1',
      '3.0.15-1~deb12u1',
      '3.0.14-1~deb12u2',
    ]);
    const [first, second] = entries;
    expect(first).toEqual({
      source: 'openssl',
      version: '3.0.17-1~deb12u3',
      distributions: 'bookworm-security',
      urgency: 'medium',
      lines: [
        '  * CVE-2025-9230 (Out-of-bounds read & write in RFC 3211 KEK Unwrap).',
        '  * CVE-2025-9232 (Out-of-bounds read in HTTP client no_proxy handling).',
      ],
      maintainer: 'Sebastian Andrzej Siewior <sebastian@breakpoint.cc>',
      date: 'Tue, 30 Sep 2025 21:53:42 +0200',
    });
    expect(second?.lines[0]).toBe('  [ Sebastian Andrzej Siewior ]');
    expect(second?.lines).toHaveLength(4);
  });

  it('reads a binNMU header (binary-only=yes) and an urgency given after other options', () => {
    const [e] = parseChangelog(
      'glibc (2.36-9+deb12u4+b1) bookworm; binary-only=yes, urgency=low\n\n  * Binary-only non-maintainer upload for amd64.\n\n -- amd64 Build Daemon <buildd@x>  Mon, 01 Jan 2024 00:00:00 +0000\n',
    );
    expect(e?.version).toBe('2.36-9+deb12u4+b1');
    expect(e?.urgency).toBe('low');
  });

  it('is empty for text that is not a changelog', () => {
    expect(parseChangelog('hello\nworld\n')).toEqual([]);
  });
});

describe('entriesNewerThan', () => {
  it('a lock several Debian revisions behind: every entry in between, none at or below the locked version', () => {
    const entries = parseChangelog(OPENSSL_CHANGELOG);
    const newer = entriesNewerThan(entries, '3.0.15-1~deb12u1');
    expect(newer.map((e) => e.version)).toEqual([
      '3.0.17-1~deb12u3',
      '3.0.17-1~deb12u2',
      '3.0.17-1~deb12u1',
      '3.0.16-1~deb12u1',
    ]);
    // dpkg agrees with the cut: each shown version is greater than the old one, the first left out is not.
    for (const e of newer) execFileSync('dpkg', ['--compare-versions', e.version, 'gt', '3.0.15-1~deb12u1']);
    expect(cvesOf(newer)).toEqual([
      'CVE-2025-9230',
      'CVE-2025-9232',
      'CVE-2025-4575',
      'CVE-2024-13176',
      'CVE-2024-9143',
    ]);
    expect(cvesOf(newer)).not.toContain('CVE-2024-5535');
  });

  it('uses dpkg order, not string order (~ sorts before anything, numbers compare as numbers)', () => {
    const entries = parseChangelog(OPENSSL_CHANGELOG);
    expect(entriesNewerThan(entries, '3.0.17-1~deb12u2').map((e) => e.version)).toEqual(['3.0.17-1~deb12u3']);
    expect(entriesNewerThan(entries, '3.0.17-1~deb12u3')).toEqual([]);
    // An old version without the ~deb12 suffix sorts after 3.0.17-1~deb12u3: nothing is newer.
    expect(entriesNewerThan(entries, '3.0.17-1')).toEqual([]);
    expect(entriesNewerThan(entries, '3.0.9-1').map((e) => e.version)).toHaveLength(6);
  });
});
