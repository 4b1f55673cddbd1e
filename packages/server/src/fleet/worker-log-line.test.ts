import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, parseWorkerLine } from './worker-log-line.js';

describe('parseWorkerLine', () => {
  it('reads a runpod-python JSON line: its job, its level, its message', () => {
    const line = JSON.stringify({ requestId: 'job-1', message: 'Started.', level: 'ERROR' });
    expect(parseWorkerLine(line, 'stdout')).toEqual({ level: 'error', jobId: 'job-1', message: 'Started.' });
    const noJob = JSON.stringify({ requestId: null, message: 'idle', level: 'WARNING' });
    expect(parseWorkerLine(noJob, 'stderr')).toEqual({ level: 'warn', message: 'idle' });
  });

  it('keeps the fields of a line beside its message', () => {
    const line = JSON.stringify({ step: 3, requestId: 'j', message: 'slow step', level: 'WARN' });
    expect(parseWorkerLine(line, 'stderr')).toEqual({ level: 'warn', jobId: 'j', message: 'slow step {"step":3}' });
  });

  it('reads pino-style lines (numeric level, msg)', () => {
    expect(parseWorkerLine('{"level":50,"msg":"boom","jobId":"j"}', 'stdout')).toEqual({
      level: 'error',
      jobId: 'j',
      message: 'boom',
    });
  });

  it('gives plain lines info on stdout and warn on stderr, unless they start with their level', () => {
    expect(parseWorkerLine('hello', 'stdout')).toEqual({ level: 'info', message: 'hello' });
    expect(parseWorkerLine('Traceback (most recent call last):', 'stderr')).toEqual({
      level: 'warn',
      message: 'Traceback (most recent call last):',
    });
    expect(parseWorkerLine('ERROR  | job-1 | failed', 'stdout').level).toBe('error');
    expect(parseWorkerLine('debug: details', 'stderr').level).toBe('debug');
    expect(parseWorkerLine('{"not": "a log line"}', 'stdout')).toEqual({
      level: 'info',
      message: '{"not": "a log line"}',
    });
  });

  it('cuts very long lines', () => {
    expect(parseWorkerLine('x'.repeat(MAX_LINE_CHARS + 100), 'stdout').message.length).toBeLessThan(
      MAX_LINE_CHARS + 20,
    );
  });
});
