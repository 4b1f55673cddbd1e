import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.js';
import { parseMilliseconds, parsePositiveInteger, readJobInput, requireNonEmpty } from './job-input.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readJobInput', () => {
  it('parses the inline argument or the file', async () => {
    expect(await readJobInput('{"x":1}', undefined)).toEqual({ x: 1 });
    expect(await readJobInput('"text"', undefined)).toBe('text');
    const file = join(dir, 'input.json');
    writeFileSync(file, '{"from": "file"}');
    expect(await readJobInput(undefined, file)).toEqual({ from: 'file' });
  });

  it('refuses no input, both inputs, bad JSON, null and unreadable files', async () => {
    await expect(readJobInput(undefined, undefined)).rejects.toThrow(UsageError);
    await expect(readJobInput('{}', 'f.json')).rejects.toThrow(/not both/);
    await expect(readJobInput('{x', undefined)).rejects.toThrow(/the input argument is not valid JSON/);
    await expect(readJobInput('null', undefined)).rejects.toThrow(/must not be null/);
    await expect(readJobInput(undefined, join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
});

describe('number and id parsers', () => {
  it('accept whole numbers of at least 1', () => {
    expect(parseMilliseconds('1500')).toBe(1500);
    expect(parsePositiveInteger('4')).toBe(4);
  });

  it.each(['0', '-1', '1.5', '1e3', 'abc', '', '99999999999999999999'])('refuse %j', (value) => {
    expect(() => parseMilliseconds(value)).toThrow(InvalidArgumentError);
    expect(() => parsePositiveInteger(value)).toThrow(InvalidArgumentError);
  });

  it('refuse an empty id', () => {
    expect(requireNonEmpty('job id')('abc')).toBe('abc');
    expect(() => requireNonEmpty('job id')('')).toThrow(/job id must not be empty/);
  });
});
