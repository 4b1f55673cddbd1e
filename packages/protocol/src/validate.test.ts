// Validation of client input (spec §4.1, §2.4, §1.4) on its own: what passes, what each refusal says.
import { describe, expect, it } from 'vitest';
import { SluiceError } from './errors.js';
import { RANGES } from './limits.js';
import { isAbsoluteHttpUrl, parseIntegerParam, parseSubmission } from './validate.js';

/** The code and wire text `fn` throws with. */
function refusal(fn: () => unknown): { code: string; message: string; status: number } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SluiceError);
    const { code, message, status } = err as SluiceError;
    return { code, message, status };
  }
  throw new Error('expected a refusal');
}

describe('parseSubmission', () => {
  it('keeps input, webhook, s3Config and the policy members given, dropping nulls', () => {
    expect(
      parseSubmission({
        input: { prompt: 'x' },
        webhook: 'https://h.test/hook',
        s3Config: { bucketName: 'b' },
        policy: { executionTimeout: 5000, ttl: null, lowPriority: true },
        extra: 'ignored',
      }),
    ).toEqual({
      input: { prompt: 'x' },
      webhook: 'https://h.test/hook',
      s3Config: { bucketName: 'b' },
      policy: { executionTimeout: 5000, lowPriority: true },
    });
    expect(parseSubmission({ input: 0, webhook: null, s3Config: null, policy: null })).toEqual({
      input: 0,
      policy: {},
    });
  });

  it.each([null, [], 'text', 3])('refuses a body that is not an object: %j', (body) => {
    expect(refusal(() => parseSubmission(body))).toEqual({
      code: 'ERR_REQUEST_INVALID_JSON',
      status: 400,
      message: 'json is invalid; body must be a JSON object',
    });
  });

  it.each([{}, { input: null }])('refuses a missing or null input: %j', (body) => {
    expect(refusal(() => parseSubmission(body))).toEqual({
      code: 'ERR_REQUEST_INPUT_REQUIRED',
      status: 400,
      message: 'input is required',
    });
  });

  it.each([
    [{ policy: [] }, 'policy is invalid; must be an object'],
    [{ policy: { ttl: RANGES.ttl.min - 1 } }, 'policy.ttl is invalid; must be between 10000 and 604800000'],
    [{ policy: { ttl: '60000' } }, 'policy.ttl is invalid; must be between 10000 and 604800000'],
    [
      { policy: { executionTimeout: 5000.5 } },
      'policy.executionTimeout is invalid; must be between 5000 and 604800000',
    ],
    [{ policy: { lowPriority: 'yes' } }, 'policy.lowPriority is invalid; must be a boolean'],
    [{ webhook: 'ftp://h.test/x' }, 'webhook is invalid; must be an absolute http or https URL'],
    [{ s3Config: 'b' }, 's3Config is invalid; must be an object'],
  ])('refuses %j', (fields, message) => {
    expect(refusal(() => parseSubmission({ input: 1, ...fields }))).toEqual({
      code: 'ERR_REQUEST_INVALID_FIELD',
      status: 400,
      message,
    });
  });

  it('accepts the bounds of each policy range', () => {
    for (const key of ['executionTimeout', 'ttl'] as const) {
      for (const value of [RANGES[key].min, RANGES[key].max]) {
        expect(parseSubmission({ input: 1, policy: { [key]: value } }).policy).toEqual({ [key]: value });
      }
    }
  });
});

describe('isAbsoluteHttpUrl', () => {
  it.each(['http://h.test', 'https://h.test:8443/a?b=c', 'http://127.0.0.1/x'])('accepts %s', (url) => {
    expect(isAbsoluteHttpUrl(url)).toBe(true);
  });
  it.each([
    '/relative',
    'h.test/x',
    'file:///etc/passwd',
    'mailto:a@b.c',
    '',
    42,
    `https://h.test/${'a'.repeat(2048)}`,
  ])('refuses %j', (url) => {
    expect(isAbsoluteHttpUrl(url)).toBe(false);
  });
});

describe('parseIntegerParam', () => {
  const range = RANGES.statusSyncWait;
  it('answers the fallback when absent, and the last value of a repeated parameter', () => {
    expect(parseIntegerParam('wait', undefined, range, 5000)).toBe(5000);
    expect(parseIntegerParam('wait', undefined, range)).toBeUndefined();
    expect(parseIntegerParam('wait', '2000', range, 5000)).toBe(2000);
    expect(parseIntegerParam('wait', ['1000', '3000'], range)).toBe(3000);
  });

  it.each(['999', '300001', '1e4', '1000.0', ' 1000', '-1000', '0x3e8', '', '12345678901234567'])(
    'refuses %j with the parameter named',
    (raw) => {
      expect(refusal(() => parseIntegerParam('wait', raw, range))).toEqual({
        code: 'ERR_REQUEST_INVALID_FIELD',
        status: 400,
        message: 'wait is invalid; must be between 1000 and 300000',
      });
    },
  );
});
