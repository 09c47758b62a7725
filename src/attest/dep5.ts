/**
 * `/usr/share/doc/<pkg>/copyright` → what an SBOM says about a package's licensing.
 *
 * Machine-readable files (DEP-5, https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/) are
 * deb822 paragraphs: a header (`Format:`), `Files:` paragraphs with `Copyright:` and `License:`, and
 * stand-alone `License:` paragraphs holding the text of a short name. The declared licence is the
 * conjunction of every `License:` synopsis of the header and the Files paragraphs (the package contains files
 * under each of them); the copyright text is every `Copyright:` line. Files that are not DEP-5 (free text,
 * still about half of bookworm's base packages: libc6, gcc, python3) declare NOASSERTION; their
 * `Copyright (C) …`-style lines still make the copyright text.
 *
 * Parsing is lenient where real files are sloppy (a repeated field keeps its first value, a stray line joins
 * the field before it) and never fails: the worst outcome is NOASSERTION.
 */
import { conjunction, licenseRefsOf, synopsisToSpdx } from './licenses.js';

export interface CopyrightInfo {
  /** `dep5` for machine-readable files, `text` for anything else. */
  format: 'dep5' | 'text';
  /** SPDX license expression, or NOASSERTION. */
  declared: string;
  /** The copyright lines, one per line, or NOASSERTION. */
  copyrightText: string;
  /** Every LicenseRef of `declared` → the licence text the file gives for it ('' when it gives none). */
  licenseRefs: Record<string, string>;
  /** `License:` synopses that are not short names and operators (left out of `declared`). */
  unparsed: string[];
}

type Paragraph = Map<string, string[]>;

/** deb822 paragraphs, field names lower-cased, each value as its lines (continuations with indent removed). */
export function copyrightParagraphs(text: string): Paragraph[] {
  const out: Paragraph[] = [];
  let current: Paragraph | undefined;
  let last: string[] | undefined;
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (raw.trim() === '') {
      current = undefined;
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(raw)) {
      last?.push(raw.trim() === '.' ? '' : raw.trim());
      continue;
    }
    if (raw.startsWith('#')) continue;
    const field = /^([A-Za-z0-9][A-Za-z0-9-]*):(.*)$/.exec(raw);
    if (!field?.[1]) {
      last?.push(raw.trim()); // a line that should have been indented
      continue;
    }
    if (!current) {
      current = new Map();
      out.push(current);
    }
    const key = field[1].toLowerCase();
    last = [(field[2] ?? '').trim()];
    if (!current.has(key)) current.set(key, last);
  }
  return out;
}

export function isDep5(paragraphs: readonly Paragraph[]): boolean {
  const format = paragraphs[0]?.get('format')?.[0] ?? '';
  return /copyright-format|dep-?5/i.test(format);
}

/** Parses a copyright file (see the module comment). */
export function parseCopyright(text: string): CopyrightInfo {
  const paragraphs = copyrightParagraphs(text);
  if (!isDep5(paragraphs)) {
    return {
      format: 'text',
      declared: 'NOASSERTION',
      copyrightText: freeTextCopyright(text),
      licenseRefs: {},
      unparsed: [],
    };
  }
  const expressions: string[] = [];
  const unparsed: string[] = [];
  const copyright: string[] = [];
  const texts = new Map<string, string>();
  paragraphs.forEach((p, i) => {
    const license = p.get('license');
    const header = i === 0;
    const files = p.has('files') || header;
    if (files) copyright.push(...(p.get('copyright') ?? []));
    if (!license) return;
    const [synopsis = '', ...body] = license;
    const expression = synopsisToSpdx(synopsis);
    if (files && expression !== undefined) expressions.push(expression);
    else if (files && synopsis.trim() !== '') unparsed.push(synopsis.trim());
    const ref = expression !== undefined && /^LicenseRef-[A-Za-z0-9.-]+$/.test(expression) ? expression : undefined;
    const bodyText = body.join('\n').trim();
    if (ref && bodyText !== '' && !texts.has(ref)) texts.set(ref, bodyText);
  });
  const declared = conjunction(expressions);
  const licenseRefs: Record<string, string> = {};
  for (const ref of licenseRefsOf(declared)) licenseRefs[ref] = texts.get(ref) ?? '';
  return {
    format: 'dep5',
    declared,
    copyrightText: joinLines(copyright),
    licenseRefs,
    unparsed: [...new Set(unparsed)],
  };
}

/** `Copyright (C) 1995-2011 …`, `Copyright © …`, `Copyright 2004 …` lines of a free-text file. */
function freeTextCopyright(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => /^\s*Copyright\s*(\(c\)|©|\d)/i.test(l));
  return joinLines(lines);
}

/** Trimmed, non-empty, first occurrence of each; NOASSERTION for none. */
function joinLines(lines: readonly string[]): string {
  const distinct = [...new Set(lines.map((l) => l.trim()).filter((l) => l !== ''))];
  return distinct.length === 0 ? 'NOASSERTION' : distinct.join('\n');
}
