import { describe, expect, it } from 'vitest';
import {
  errorBody,
  generatorErrorBody,
  progressBody,
  pythonJsonDumps,
  resultBody,
  serializeBody,
  yieldedError,
} from './result-body.js';

describe('resultBody (spec §6.4 table)', () => {
  it('wraps non-dict values in output', () => {
    expect(resultBody('text')).toEqual({ output: 'text' });
    expect(resultBody(3)).toEqual({ output: 3 });
    expect(resultBody(false)).toEqual({ output: false });
    expect(resultBody([1, 2])).toEqual({ output: [1, 2] });
    expect(resultBody(null)).toEqual({ output: null });
  });

  it('posts undefined as null, like Python None', () => {
    expect(serializeBody(resultBody(undefined))).toBe('{"output":null}');
  });

  it('lifts a truthy error to the top level and keeps the rest as output', () => {
    expect(resultBody({ partial: 1, error: 'custom error text' })).toEqual({
      output: { partial: 1 },
      error: 'custom error text',
    });
  });

  it('drops an output left empty: {error} posts {"error"}, {} posts {}', () => {
    expect(resultBody({ error: 'boom' })).toEqual({ error: 'boom' });
    expect(resultBody({})).toEqual({});
  });

  it('removes a falsy error from output without lifting it', () => {
    expect(resultBody({ a: 1, error: '' })).toEqual({ output: { a: 1 } });
    expect(resultBody({ a: 1, error: null })).toEqual({ output: { a: 1 } });
    expect(resultBody({ a: 1, error: [] })).toEqual({ output: { a: 1 } });
  });

  it('keeps a non-string truthy error as is (the server stores its JSON text)', () => {
    expect(resultBody({ error: { code: 7 } })).toEqual({ error: { code: 7 } });
  });

  it('turns an Error instance under error into its message', () => {
    expect(resultBody({ error: new RangeError('too big') })).toEqual({ error: 'too big' });
  });

  it('turns refresh_worker into stopPod and removes it from output', () => {
    expect(resultBody({ text: 'hi', refresh_worker: true })).toEqual({ output: { text: 'hi' }, stopPod: true });
    expect(resultBody({ text: 'hi', refresh_worker: false })).toEqual({ output: { text: 'hi' } });
  });

  it('treats arrays, Dates and class instances as plain values, not dicts', () => {
    const date = new Date(0);
    expect(resultBody(date)).toEqual({ output: date });
    class Thing {
      error = 'not lifted';
    }
    expect(resultBody(new Thing())).toEqual({ output: new Thing() });
  });

  it('leaves the handler value untouched', () => {
    const value = { a: 1, error: 'e', refresh_worker: true };
    resultBody(value);
    expect(value).toEqual({ a: 1, error: 'e', refresh_worker: true });
  });
});

describe('progressBody', () => {
  it('marks the update IN_PROGRESS', () => {
    expect(progressBody({ step: 1 })).toEqual({ status: 'IN_PROGRESS', output: { step: 1 } });
    expect(progressBody(undefined)).toEqual({ status: 'IN_PROGRESS', output: null });
  });
});

describe('errorBody (spec §2.7)', () => {
  it('is a JSON string of the six runpod-python keys', () => {
    const err = new TypeError('boom');
    const body = errorBody(err, { hostname: 'host-1', workerId: 'w1' });
    expect(typeof body.error).toBe('string');
    expect(JSON.parse(body.error as string)).toEqual({
      error_type: "<class 'TypeError'>",
      error_message: 'boom',
      error_traceback: err.stack,
      hostname: 'host-1',
      worker_id: 'w1',
      runpod_version: '1.12.0-sluice',
    });
    expect(body.error).toMatch(/^\{"error_type": "<class 'TypeError'>", "error_message": "boom", /);
  });

  it('describes thrown non-errors', () => {
    const body = errorBody('plain', { hostname: 'h', workerId: 'w' });
    expect(JSON.parse(body.error as string)).toMatchObject({ error_type: "<class 'string'>", error_message: 'plain' });
  });
});

describe('pythonJsonDumps', () => {
  it('matches json.dumps separators and ensure_ascii escaping', () => {
    expect(pythonJsonDumps({ a: 'x', b: 'é "q"\n😀' })).toBe('{"a": "x", "b": "\\u00e9 \\"q\\"\\n\\ud83d\\ude00"}');
  });
});

describe('generator errors', () => {
  it('reads handler: <message> \\ntraceback: <stack>', () => {
    const err = new Error('bad');
    expect(generatorErrorBody(err)).toEqual({ error: `handler: bad \ntraceback: ${err.stack}` });
  });

  it('finds a truthy error in a yielded dict only', () => {
    expect(yieldedError({ error: 'nope' })).toBe('nope');
    expect(yieldedError({ error: { code: 1 } })).toBe('{"code":1}');
    expect(yieldedError({ error: '' })).toBeUndefined();
    expect(yieldedError({ text: 'fine' })).toBeUndefined();
    expect(yieldedError('error')).toBeUndefined();
    expect(yieldedError([{ error: 'x' }])).toBeUndefined();
  });
});

describe('serializeBody', () => {
  it('throws for values JSON cannot carry', () => {
    expect(() => serializeBody({ output: 1n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => serializeBody({ output: cycle })).toThrow(TypeError);
  });
});
