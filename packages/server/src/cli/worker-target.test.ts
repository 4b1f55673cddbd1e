import { describe, expect, it } from 'vitest';
import { UsageError } from './exit-codes.js';
import { resolveWorkerTarget } from './worker-target.js';

const host = { hostname: 'box', home: '/home/w' };
const url = 'http://127.0.0.1:8080';

describe('resolveWorkerTarget', () => {
  it("keeps a launcher's environment as it is", () => {
    const env = { RUNPOD_WEBHOOK_GET_JOB: 'http://s/v2/e/job-take/$ID', PATH: '/bin' };
    expect(resolveWorkerTarget({ url }, env, host)).toEqual({ env });
  });

  it("warns that flags lose to a launcher's environment", () => {
    const env = { RUNPOD_WEBHOOK_GET_JOB: 'http://s/v2/e/job-take/$ID' };
    const target = resolveWorkerTarget({ url, endpoint: 'other' }, env, host);
    expect(target.env).toBe(env);
    expect(target.warning).toMatch(/ignored/);
  });

  it('builds the launcher variables from --url and --endpoint', () => {
    const { env } = resolveWorkerTarget(
      { url: 'http://10.0.0.5:9000/', endpoint: 'echo', workerId: 'w-me', token: 'tok' },
      { PATH: '/bin', RUNPOD_REALTIME_PORT: '8000' },
      host,
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      RUNPOD_WEBHOOK_GET_JOB: 'http://10.0.0.5:9000/v2/echo/job-take/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_POST_OUTPUT: 'http://10.0.0.5:9000/v2/echo/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_POST_STREAM: 'http://10.0.0.5:9000/v2/echo/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_PING: 'http://10.0.0.5:9000/v2/echo/ping/$RUNPOD_POD_ID?gpu=cpu',
      RUNPOD_AI_API_KEY: 'tok',
      RUNPOD_POD_ID: 'w-me',
      RUNPOD_POD_HOSTNAME: 'box',
      RUNPOD_ENDPOINT_ID: 'echo',
    });
    expect(env['RUNPOD_REALTIME_PORT']).toBeUndefined();
  });

  it('makes up a worker id and sends no key when none is given', () => {
    const { env } = resolveWorkerTarget({ url, endpoint: 'echo' }, {}, host);
    expect(env['RUNPOD_POD_ID']).toMatch(/^w-[0-9a-f]{12}$/);
    expect(env['RUNPOD_AI_API_KEY']).toBe('');
  });

  it('needs an endpoint and a usable URL', () => {
    expect(() => resolveWorkerTarget({ url }, {}, host)).toThrow(UsageError);
    expect(() => resolveWorkerTarget({ url: 'not a url', endpoint: 'e' }, {}, host)).toThrow(/--url/);
    expect(() => resolveWorkerTarget({ url: 'ftp://x', endpoint: 'e' }, {}, host)).toThrow(/--url/);
  });
});
