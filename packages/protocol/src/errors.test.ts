import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SluiceError, errorText, isSluiceError, notRetryable } from './errors.js';
import { isPlainObject } from './plain-object.js';

describe('SluiceError', () => {
  it('takes the wire text and status of a fixed-text code from the registry', () => {
    const err = new SluiceError('ERR_JOB_NOT_FOUND');
    expect({ code: err.code, status: err.status, message: err.message }).toEqual({
      code: 'ERR_JOB_NOT_FOUND',
      status: 404,
      message: 'request does not exist',
    });
    expect(errorText('ERR_WORKER_BACKOFF')).toBe('service unavailable');
    expect(isSluiceError(err)).toBe(true);
  });

  it('keeps a cause, and a more specific message when one is given', () => {
    const cause = new Error('disk I/O error');
    expect(new SluiceError('ERR_INTERNAL', { cause })).toMatchObject({ message: 'internal error', cause });
    const deep = new SluiceError('ERR_REQUEST_INVALID_JSON', 'json is invalid; nested deeper than 1000 levels');
    expect(deep.message).toBe('json is invalid; nested deeper than 1000 levels');
    expect(new SluiceError('ERR_PAYLOAD_TOO_LARGE', 'result is too large', { cause }).cause).toBe(cause);
  });

  it('words ERR_JOB_NOT_RETRYABLE with the status in one place', () => {
    expect(notRetryable('COMPLETED')).toMatchObject({
      code: 'ERR_JOB_NOT_RETRYABLE',
      status: 400,
      message: 'request cannot be retried; status is COMPLETED',
    });
  });

  it('has a text for every code answered with a fixed wording, and none for codes that name what was wrong', () => {
    const withoutText = Object.entries(ERROR_CODES)
      .filter(([, entry]) => !('text' in entry))
      .map(([code]) => code);
    expect(withoutText.sort()).toEqual([
      'ERR_CONFIG_INVALID',
      'ERR_JOB_NOT_RETRYABLE',
      'ERR_PAYLOAD_TOO_LARGE',
      'ERR_REQUEST_INVALID_FIELD',
    ]);
  });
});

describe('isPlainObject', () => {
  it.each([{}, { a: 1 }, JSON.parse('{"b":[1]}') as unknown, Object.create(null) as unknown])('%j is one', (value) => {
    expect(isPlainObject(value)).toBe(true);
  });
  it.each([null, undefined, [], 'x', 1, new Date(0), new Map(), new (class Thing {})()])('%j is not', (value) => {
    expect(isPlainObject(value)).toBe(false);
  });
});
