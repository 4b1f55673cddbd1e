import { SluiceClientError } from '@sluice/client';
import { SluiceError } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import { describeFailure, ExitCode, UsageError } from './exit-codes.js';

describe('describeFailure', () => {
  it('gives usage errors code 2', () => {
    expect(describeFailure(new UsageError('bad flag'))).toEqual({ code: ExitCode.USAGE, message: 'bad flag' });
  });

  it('gives failed requests code 1 with their HTTP status', () => {
    const error = new SluiceClientError({ message: 'request does not exist', status: 404, code: 'ERR_JOB_NOT_FOUND' });
    expect(describeFailure(error)).toEqual({ code: 1, message: 'request does not exist (HTTP 404)' });
  });

  it('adds the innermost cause of a network failure', () => {
    const refused = new Error('connect ECONNREFUSED 127.0.0.1:8080');
    const error = new SluiceClientError({
      message: 'GET http://x/v2/e/health failed: fetch failed',
      status: 0,
      code: 'ERR_CLIENT_NETWORK',
      cause: new TypeError('fetch failed', { cause: refused }),
    });
    expect(describeFailure(error).message).toBe(
      'GET http://x/v2/e/health failed: fetch failed (connect ECONNREFUSED 127.0.0.1:8080)',
    );
  });

  it('treats the client SDK refusing a submission before sending as a usage error', () => {
    const cause = new SluiceError('ERR_REQUEST_INVALID_FIELD', 'webhook is invalid');
    const error = new SluiceClientError({ message: cause.message, status: 400, code: cause.code, cause });
    expect(describeFailure(error)).toEqual({ code: ExitCode.USAGE, message: 'webhook is invalid' });
  });

  it('keeps the stack of unexpected errors', () => {
    const { code, message } = describeFailure(new Error('bug'));
    expect(code).toBe(1);
    expect(message).toMatch(/^Error: bug\n\s+at /);
  });
});
