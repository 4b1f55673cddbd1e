import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureConsole } from './console-capture.js';
import { createConsoleLogger, jobLogger } from './logger.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the process writes to stdout and stderr while `fn` runs. */
function written(fn: () => void): { out: string; err: string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    fn();
  } finally {
    vi.restoreAllMocks();
  }
  return { out, err };
}

describe('captureConsole', () => {
  it('writes console lines as JSON lines of the one running job, and leaves them alone otherwise', () => {
    // The console methods the capture wraps: stand-ins, since the test runner has its own console.
    const plain: unknown[][] = [];
    const saved = console.log;
    console.log = (...args: unknown[]) => void plain.push(args);
    let current: string | undefined = 'job-1';
    const release = captureConsole(() => current);
    try {
      const one = written(() => {
        console.log('tokens: %d', 12);
        console.error('bad', { code: 7 });
      });
      expect(JSON.parse(one.out)).toEqual({ requestId: 'job-1', message: 'tokens: 12', level: 'INFO' });
      expect(JSON.parse(one.err)).toEqual({ requestId: 'job-1', message: 'bad { code: 7 }', level: 'ERROR' });
      current = undefined;
      expect(written(() => console.log('between jobs')).out).toBe('');
      expect(plain).toEqual([['between jobs']]);
    } finally {
      release();
    }
    current = 'job-1';
    expect(written(() => console.log('after release')).out).toBe('');
    expect(plain).toEqual([['between jobs'], ['after release']]);
    console.log = saved;
  });
});

describe('ctx.log', () => {
  it('writes the job id, the level and the fields into the JSON line', () => {
    const base = createConsoleLogger({ RUNPOD_ENDPOINT_ID: 'ep' });
    const { err } = written(() => jobLogger(base, 'job-2').warn('slow step', { step: 3, message: 'kept out' }));
    expect(JSON.parse(err)).toEqual({ requestId: 'job-2', message: 'slow step', level: 'WARN', step: 3 });
  });
});
