import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.js';
import { isTsxMissing, loadHandler, pickHandler, TSX_MISSING } from './load-handler.js';

const fn = () => 'handled';
const other = () => 'other';

describe('pickHandler', () => {
  it('prefers the default export, then a function named handler', () => {
    expect(pickHandler({ default: fn, handler: other })).toBe(fn);
    expect(pickHandler({ handler: fn })).toBe(fn);
    expect(pickHandler({ default: { not: 'a function' }, handler: fn })).toBe(fn);
  });

  it('finds the handler of a CommonJS module under default', () => {
    expect(pickHandler({ default: { default: fn } })).toBe(fn);
    expect(pickHandler({ default: { handler: fn } })).toBe(fn);
  });

  it('finds nothing in a module without one', () => {
    expect(pickHandler({ something: fn })).toBeUndefined();
    expect(pickHandler({ default: 42 })).toBeUndefined();
    expect(pickHandler(undefined)).toBeUndefined();
  });
});

describe('loadHandler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-load-handler-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a JavaScript module and picks its handler', async () => {
    writeFileSync(join(dir, 'named.mjs'), 'export function handler(job) { return job.input; }');
    const handler = await loadHandler('named.mjs', dir);
    expect(handler({ id: 'j', input: 5 }, {} as never)).toBe(5);
  });

  it('refuses a missing file, and a module without a handler', async () => {
    await expect(loadHandler('no/such/handler.ts', dir)).rejects.toThrow(/handler file not found/);
    writeFileSync(join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(loadHandler('none.mjs', dir)).rejects.toThrow(/exports no handler/);
  });

  it('explains a module that calls start() itself', async () => {
    writeFileSync(join(dir, 'self.mjs'), "throw new Error('RUNPOD_WEBHOOK_GET_JOB is not set');");
    await expect(loadHandler('self.mjs', dir)).rejects.toThrow(UsageError);
    await expect(loadHandler('self.mjs', dir)).rejects.toThrow(/calls start\(\) itself/);
    // Our flag, not runpod-python's --test_input that start()'s own message names.
    await expect(loadHandler('self.mjs', dir)).rejects.toThrow(/sluice worker <handler> --test-input/);
    await expect(loadHandler('self.mjs', dir)).rejects.not.toThrow(/--test_input/);
    writeFileSync(join(dir, 'broken.mjs'), "throw new RangeError('other');");
    await expect(loadHandler('broken.mjs', dir)).rejects.toThrow(RangeError);
  });
});

describe('tsx, an optional peer', () => {
  it('tells a missing tsx apart from a missing import of the handler', async () => {
    // The error Node raises when the `tsx` package itself cannot be resolved.
    const name = 'tsx-is-not-installed';
    const missing = await import(name).catch((error: unknown) => error);
    const asTsx = Object.assign(new Error(String((missing as Error).message).replace('tsx-is-not-installed', 'tsx')), {
      code: (missing as { code?: string }).code,
    });
    expect(isTsxMissing(asTsx)).toBe(true);
    expect(isTsxMissing(missing)).toBe(false);
    expect(TSX_MISSING).toContain('npm install --save-dev tsx');
  });
});
