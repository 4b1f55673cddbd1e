import { describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.js';
import {
  describeJobError,
  formatHealth,
  formatPurge,
  formatStatus,
  formatStreamItem,
  jsonLine,
  resolveOutputMode,
} from './output.js';

describe('resolveOutputMode', () => {
  it('prints text on a terminal and JSON into pipes', () => {
    expect(resolveOutputMode({}, true)).toBe('human');
    expect(resolveOutputMode({}, false)).toBe('json');
  });

  it('lets --json and --pretty force a mode, but not both', () => {
    expect(resolveOutputMode({ json: true }, true)).toBe('json');
    expect(resolveOutputMode({ pretty: true }, false)).toBe('human');
    expect(() => resolveOutputMode({ json: true, pretty: true }, true)).toThrow(UsageError);
  });
});

describe('jsonLine', () => {
  it('writes one compact document per line', () => {
    expect(jsonLine({ id: 'a', status: 'COMPLETED', output: { x: [1, 2] } })).toBe(
      '{"id":"a","status":"COMPLETED","output":{"x":[1,2]}}\n',
    );
    expect(jsonLine(undefined)).toBe('null\n');
  });
});

describe('formatStatus', () => {
  it('aligns the fields that are present', () => {
    const text = formatStatus({
      id: 'job-1',
      status: 'COMPLETED',
      delayTime: 12,
      executionTime: 340,
      workerId: 'w-1',
      output: { echo: 1 },
    });
    expect(text).toBe(
      [
        'id:        job-1',
        'status:    COMPLETED',
        'delay:     12 ms',
        'execution: 340 ms',
        'worker:    w-1',
        'output:    {"echo":1}',
        '',
      ].join('\n'),
    );
  });

  it('shows a queued job briefly, strings bare and null as null', () => {
    expect(formatStatus({ id: 'j', status: 'IN_QUEUE' })).toBe('id:     j\nstatus: IN_QUEUE\n');
    expect(formatStatus({ id: 'j', status: 'COMPLETED', output: 'hello' })).toContain('output: hello\n');
    expect(formatStatus({ id: 'j', status: 'COMPLETED', output: null })).toContain('output: null\n');
  });

  it('indents long output below its key', () => {
    const output = { text: 'x'.repeat(80) };
    expect(formatStatus({ id: 'j', status: 'COMPLETED', output })).toContain(
      `output:\n  {\n    "text": "${'x'.repeat(80)}"\n  }\n`,
    );
  });

  it('shows retries only when there were some', () => {
    expect(formatStatus({ id: 'j', status: 'IN_QUEUE', retries: 0 })).not.toContain('retries');
    expect(formatStatus({ id: 'j', status: 'IN_QUEUE', retries: 2 })).toContain('retries: 2');
  });

  it("unpacks a worker's runpod-python-style error, with its traceback indented", () => {
    const error = JSON.stringify({
      error_type: "<class 'ValueError'>",
      error_message: 'bad prompt',
      error_traceback: 'Traceback:\n  line 1',
      hostname: 'h',
    });
    expect(formatStatus({ id: 'j', status: 'FAILED', error })).toBe(
      'id:     j\nstatus: FAILED\nerror:  ValueError: bad prompt\n  Traceback:\n    line 1\n',
    );
  });
});

describe('describeJobError', () => {
  it('keeps plain and unrecognised errors as they are', () => {
    expect(describeJobError('worker lost')).toEqual({ summary: 'worker lost' });
    expect(describeJobError('[1,2]')).toEqual({ summary: '[1,2]' });
    expect(describeJobError('{"message":"x"}')).toEqual({ summary: '{"message":"x"}' });
  });

  it('reads error_type and error_message', () => {
    expect(describeJobError('{"error_type":"TimeoutError","error_message":"slow"}')).toEqual({
      summary: 'TimeoutError: slow',
    });
    expect(describeJobError('{"error_message":"slow"}')).toEqual({ summary: 'slow' });
  });
});

describe('formatHealth', () => {
  it('prints one line per group in the order the server sent', () => {
    const health = {
      jobs: { completed: 3, failed: 0, inProgress: 1, inQueue: 2, retried: 0 },
      workers: { idle: 0, initializing: 0, ready: 1, running: 1, throttled: 0, unhealthy: 0 },
    };
    expect(formatHealth(health)).toBe(
      'jobs: completed 3, failed 0, inProgress 1, inQueue 2, retried 0\n' +
        'workers: idle 0, initializing 0, ready 1, running 1, throttled 0, unhealthy 0\n',
    );
  });
});

describe('formatPurge', () => {
  it('counts removed jobs', () => {
    expect(formatPurge({ removed: 1, status: 'completed' })).toBe('removed 1 queued job\n');
    expect(formatPurge({ removed: 0, status: 'completed' })).toBe('removed 0 queued jobs\n');
  });
});

describe('formatStreamItem', () => {
  it('shows the output of a {output} item, strings bare', () => {
    expect(formatStreamItem({ output: 'token' })).toBe('token\n');
    expect(formatStreamItem({ output: { n: 1 } })).toBe('{"n":1}\n');
  });

  it('shows any other item as JSON', () => {
    expect(formatStreamItem({ output: 1, extra: true })).toBe('{"output":1,"extra":true}\n');
    expect(formatStreamItem('raw')).toBe('raw\n');
    expect(formatStreamItem(null)).toBe('null\n');
  });
});
