// The console's readings of wire values: worker error strings, progress values, hash routes.
import { describe, expect, it } from 'vitest';
import { duration, progressFraction, splitError } from './format.js';
import { parseRoute } from './route.js';

describe('splitError', () => {
  it("reads runpod-python's JSON error into a message and a traceback", () => {
    const error = JSON.stringify({
      error_type: "<class 'ValueError'>",
      error_message: 'bad input',
      error_traceback: 'Traceback (most recent call last):\n  File "handler.py"',
    });
    expect(splitError(error)).toEqual({
      message: "<class 'ValueError'>: bad input",
      traceback: 'Traceback (most recent call last):\n  File "handler.py"',
    });
  });

  it('reads "handler: …\\ntraceback: …" and leaves any other text whole', () => {
    expect(splitError('handler: bad \ntraceback: Error: bad\n    at x')).toEqual({
      message: 'handler: bad',
      traceback: 'Error: bad\n    at x',
    });
    expect(splitError('execution timeout exceeded')).toEqual({ message: 'execution timeout exceeded' });
    expect(splitError('{"unrelated": 1}')).toEqual({ message: '{"unrelated": 1}' });
  });
});

describe('progressFraction', () => {
  it('takes percent, or step of `of` or `total`, and nothing else', () => {
    expect(progressFraction({ percent: 40 })).toBe(0.4);
    expect(progressFraction({ percent: 140 })).toBe(1);
    expect(progressFraction({ step: 1, of: 4 })).toBe(0.25);
    expect(progressFraction({ step: 3, total: 6 })).toBe(0.5);
    expect(progressFraction({ step: 3 })).toBeUndefined();
    expect(progressFraction('half')).toBeUndefined();
    expect(progressFraction(null)).toBeUndefined();
  });
});

describe('duration', () => {
  it('writes ms, seconds, minutes and hours', () => {
    expect(duration(null)).toBe('–');
    expect(duration(12)).toBe('12 ms');
    expect(duration(1500)).toBe('1.50 s');
    expect(duration(125_000)).toBe('2 min 5 s');
    expect(duration(2 * 3_600_000 + 60_000)).toBe('2 h 1 min');
  });
});

describe('parseRoute', () => {
  it('names each page and decodes ids', () => {
    expect(parseRoute('')).toEqual({ page: 'endpoints' });
    expect(parseRoute('#/endpoints/a%20b')).toEqual({ page: 'endpoint', endpointId: 'a b' });
    expect(parseRoute('#/endpoints/e/jobs/sync-1')).toEqual({ page: 'job', endpointId: 'e', jobId: 'sync-1' });
    expect(parseRoute('#/try?endpoint=e')).toEqual({ page: 'try', endpointId: 'e' });
    expect(parseRoute('#/try')).toEqual({ page: 'try' });
    expect(parseRoute('#/nonsense')).toEqual({ page: 'endpoints' });
  });
});
