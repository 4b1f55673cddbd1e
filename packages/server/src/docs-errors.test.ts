// docs/errors.md must list every code of the protocol error registry, with its HTTP status, and nothing else;
// its wire-text table must give each fixed-text code the registry's text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@sluice/protocol';

const DOC = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));

/** Rows shaped `| \`ERR_X\` | 400 | meaning |`; other tables (wire texts, job errors) start differently. */
const ROW = /^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/;

function documentedCodes(): { code: string; status: number }[] {
  return readFileSync(DOC, 'utf8')
    .split('\n')
    .map((line) => ROW.exec(line.trim()))
    .filter((match) => match !== null)
    .map((match) => ({ code: match[1]!, status: Number(match[2]) }));
}

/** Wire-text rows shaped `| \`text\` | \`ERR_X\` | when |`. */
const TEXT_ROW = /^\|\s*`([^`]+)`\s*\|\s*`(ERR_[A-Z0-9_]+)`\s*\|/;

function documentedTexts(): { text: string; code: string }[] {
  return readFileSync(DOC, 'utf8')
    .split('\n')
    .map((line) => TEXT_ROW.exec(line.trim()))
    .filter((match) => match !== null)
    .map((match) => ({ text: match[1]!, code: match[2]! }));
}

describe('docs/errors.md', () => {
  const rows = documentedCodes();
  const registry = ERROR_CODES as Record<string, { status: number; text?: string }>;

  it('has a code table', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it('lists every registry code', () => {
    const documented = new Set(rows.map((row) => row.code));
    expect(Object.keys(registry).filter((code) => !documented.has(code))).toEqual([]);
  });

  it('lists no code that is not in the registry', () => {
    expect(rows.map((row) => row.code).filter((code) => !Object.hasOwn(registry, code))).toEqual([]);
  });

  it('lists each code once', () => {
    const seen = rows.map((row) => row.code);
    expect(seen.filter((code, i) => seen.indexOf(code) !== i)).toEqual([]);
  });

  it('gives each code its registry status', () => {
    const wrong = rows
      .filter((row) => Object.hasOwn(registry, row.code) && registry[row.code]!.status !== row.status)
      .map((row) => `${row.code}: docs say ${row.status}, registry says ${registry[row.code]!.status}`);
    expect(wrong).toEqual([]);
  });

  it('gives each fixed-text code its registry text in the wire-text table', () => {
    const texts = documentedTexts();
    const missing = Object.entries(registry)
      .filter(
        ([code, entry]) =>
          entry.text !== undefined && !texts.some((row) => row.code === code && row.text === entry.text),
      )
      .map(([code, entry]) => `${code}: ${entry.text}`);
    expect(missing).toEqual([]);
  });
});
