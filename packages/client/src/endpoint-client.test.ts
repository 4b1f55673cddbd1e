// Every route's method, path, query and body, client-side validation, time limits and the polling loops,
// against an injected fetch (no sockets).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, SluiceClientError, type FetchLike } from './index.js';

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records each call and answers with `answer(call)` (a JSON body with status 200 by default). */
function fakeFetch(answer: (call: Call) => unknown = () => ({ id: 'j1', status: 'IN_QUEUE' })) {
  const calls: Call[] = [];
  const fetch = vi.fn<FetchLike>((url, init) => {
    const { pathname, search } = new URL(url);
    const call: Call = {
      method: init.method ?? 'GET',
      path: pathname + search,
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body,
    };
    calls.push(call);
    const value = answer(call);
    return Promise.resolve(value instanceof Response ? value : new Response(JSON.stringify(value), { status: 200 }));
  });
  return { calls, fetch };
}

/** A fetch that answers only when aborted, like a server holding a long-poll forever. */
function hangingFetch(): FetchLike {
  return (_url, init) =>
    new Promise<Response>((_resolve, reject) => {
      init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
}

async function failure(promise: Promise<unknown>): Promise<SluiceClientError> {
  const error = await promise.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SluiceClientError);
  return error as SluiceClientError;
}

const terminal = { id: 'j1', status: 'COMPLETED', output: 1 };

afterEach(() => {
  vi.useRealTimers();
});

describe('routes', () => {
  it('sends each route with its method, path, query and body', async () => {
    const { calls, fetch } = fakeFetch((call) =>
      call.path.includes('health')
        ? { jobs: {}, workers: {} }
        : call.path.includes('purge-queue')
          ? { removed: 2, status: 'completed' }
          : call.path.includes('stream')
            ? { ...terminal, stream: [] }
            : terminal,
    );
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    const policy = { executionTimeout: 5000, ttl: null, lowPriority: true };
    await ep.run({ a: 1 }, { webhook: 'https://hook.test/x', policy, s3Config: { bucketName: 'b' } });
    await ep.runSync([1, 2], { wait: 2000 });
    await ep.status('j1', { ttl: 60_000 });
    await ep.statusSync('j1', { wait: 3000 });
    await ep.pollStream('j1', { wait: 4000 });
    await ep.cancel('j1');
    await ep.retry('j1');
    await ep.health();
    await ep.purgeQueue();
    expect(calls.map(({ method, path, body }) => [method, path, body])).toEqual([
      [
        'POST',
        '/v2/echo/run',
        { input: { a: 1 }, webhook: 'https://hook.test/x', policy, s3Config: { bucketName: 'b' } },
      ],
      ['POST', '/v2/echo/runsync?wait=2000', { input: [1, 2] }],
      ['GET', '/v2/echo/status/j1?ttl=60000', undefined],
      ['GET', '/v2/echo/status-sync/j1?wait=3000', undefined],
      ['GET', '/v2/echo/stream/j1?wait=4000', undefined],
      ['POST', '/v2/echo/cancel/j1', undefined],
      ['POST', '/v2/echo/retry/j1', undefined],
      ['GET', '/v2/echo/health', undefined],
      ['POST', '/v2/echo/purge-queue', undefined],
    ]);
    expect(calls[0]!.headers['Content-Type']).toBe('application/json');
    expect(calls[2]!.headers['Content-Type']).toBeUndefined();
  });

  it('leaves out wait and ttl when not given', async () => {
    const { calls, fetch } = fakeFetch(() => terminal);
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    await ep.runSync({});
    await ep.status('j1');
    await ep.statusSync('j1');
    expect(calls.map((c) => c.path)).toEqual(['/v2/echo/runsync', '/v2/echo/status/j1', '/v2/echo/status-sync/j1']);
  });

  it('sends the Idempotency-Key header on run and runsync', async () => {
    const { calls, fetch } = fakeFetch(() => terminal);
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    await ep.run({}, { idempotencyKey: 'order-42' });
    await ep.runSync({}, { idempotencyKey: 'order-43' });
    await ep.run({});
    expect(calls.map((c) => c.headers['Idempotency-Key'])).toEqual(['order-42', 'order-43', undefined]);
  });
});

describe('client-side validation', () => {
  const cases: Array<
    [string, (ep: ReturnType<ReturnType<typeof createClient>['endpoint']>) => Promise<unknown>, string]
  > = [
    ['null input', (ep) => ep.run(null), 'input is required'],
    ['missing input', (ep) => ep.runSync(undefined), 'input is required'],
    [
      'bad policy',
      (ep) => ep.run({}, { policy: { executionTimeout: 10 } }),
      'policy.executionTimeout is invalid; must be between 5000 and 604800000',
    ],
    [
      'bad webhook',
      (ep) => ep.run({}, { webhook: 'ftp://x' }),
      'webhook is invalid; must be an absolute http or https URL',
    ],
    ['wait too small', (ep) => ep.runSync({}, { wait: 999 }), 'wait is invalid; must be between 1000 and 300000'],
    [
      'fractional wait',
      (ep) => ep.statusSync('j1', { wait: 1500.5 }),
      'wait is invalid; must be between 1000 and 300000',
    ],
    [
      'ttl too large',
      (ep) => ep.status('j1', { ttl: 604_800_001 }),
      'ttl is invalid; must be between 1000 and 604800000',
    ],
    ['empty idempotency key', (ep) => ep.run({}, { idempotencyKey: '' }), 'idempotencyKey is invalid'],
  ];

  it.each(cases)('rejects %s before sending, with the server wording', async (_name, call, message) => {
    const { fetch } = fakeFetch();
    const error = await failure(call(createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo')));
    expect(error.status).toBe(400);
    expect(error.code).toMatch(/^ERR_REQUEST_/);
    expect(error.message).toContain(message);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('throws a TypeError for an empty job id', async () => {
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch: fakeFetch().fetch }).endpoint('echo');
    await expect(ep.status('')).rejects.toThrow(TypeError);
    expect(() => ep.stream('')).toThrow(TypeError);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { fetch } = fakeFetch();
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    const error = await failure(ep.health({ signal: AbortSignal.abort() }));
    expect(error.code).toBe('ERR_CLIENT_ABORTED');
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('time limits', () => {
  async function timesOutAfter(call: (fetch: FetchLike) => Promise<unknown>, ms: number): Promise<void> {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = failure(call(hangingFetch()));
    let settled = false;
    void pending.finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(ms - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ status: 0, code: 'ERR_CLIENT_TIMEOUT' });
  }

  const endpoint = (fetch: FetchLike, timeoutMs?: number) =>
    createClient({ baseUrl: 'http://sluice.test', fetch, timeoutMs }).endpoint('echo');

  it('gives non-blocking routes timeoutMs (default 10 s)', async () => {
    await timesOutAfter((fetch) => endpoint(fetch).run({}), 10_000);
    await timesOutAfter((fetch) => endpoint(fetch, 3000).cancel('j1'), 3000);
  });

  it('gives blocking routes their wait plus 15 s', async () => {
    await timesOutAfter((fetch) => endpoint(fetch, 1000).statusSync('j1', { wait: 5000 }), 20_000);
    await timesOutAfter((fetch) => endpoint(fetch, 1000).statusSync('j1'), 105_000);
    await timesOutAfter((fetch) => endpoint(fetch, 1000).runSync({}), 105_000);
    await timesOutAfter((fetch) => endpoint(fetch, 1000).pollStream('j1'), 23_000);
  });
});

describe('polling loops', () => {
  it('runSync keeps polling status-sync until the job is terminal', async () => {
    const answers = [
      { id: 'sync-1', status: 'IN_QUEUE' },
      { id: 'sync-1', status: 'IN_PROGRESS', output: { progress: 1 } },
      { id: 'sync-1', status: 'COMPLETED', output: 'done' },
    ];
    const { calls, fetch } = fakeFetch(() => answers.shift());
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    expect(await ep.runSync({ x: 1 }, { wait: 2000 })).toEqual({ id: 'sync-1', status: 'COMPLETED', output: 'done' });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /v2/echo/runsync?wait=2000',
      'GET /v2/echo/status-sync/sync-1?wait=2000',
      'GET /v2/echo/status-sync/sync-1?wait=2000',
    ]);
  });

  it('runSync returns the first answer when it is terminal, or with untilTerminal: false', async () => {
    const done = fakeFetch(() => ({ id: 'sync-1', status: 'FAILED', error: 'boom' }));
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch: done.fetch }).endpoint('echo');
    expect(await ep.runSync({})).toMatchObject({ status: 'FAILED', error: 'boom' });
    const queued = fakeFetch(() => ({ id: 'sync-2', status: 'IN_QUEUE' }));
    const ep2 = createClient({ baseUrl: 'http://sluice.test', fetch: queued.fetch }).endpoint('echo');
    expect(await ep2.runSync({}, { untilTerminal: false })).toEqual({ id: 'sync-2', status: 'IN_QUEUE' });
    expect(done.calls).toHaveLength(1);
    expect(queued.calls).toHaveLength(1);
  });

  it('waitFor stops at the first terminal status', async () => {
    const answers = ['IN_QUEUE', 'IN_PROGRESS', 'CANCELLED'].map((status) => ({ id: 'j1', status }));
    const { calls, fetch } = fakeFetch(() => answers.shift());
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    expect(await ep.waitFor('j1')).toEqual({ id: 'j1', status: 'CANCELLED' });
    expect(calls.map((c) => c.path)).toEqual(Array(3).fill('/v2/echo/status-sync/j1?wait=90000'));
  });

  it('waitFor never holds past its deadline and then rejects with the last status', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { calls, fetch } = fakeFetch(() => {
      vi.advanceTimersByTime(2000); // each poll takes 2 s
      return { id: 'j1', status: 'IN_PROGRESS' };
    });
    const ep = createClient({ baseUrl: 'http://sluice.test', fetch }).endpoint('echo');
    const error = await failure(ep.waitFor('j1', { timeoutMs: 5000, wait: 3000 }));
    expect(error).toMatchObject({ status: 0, code: 'ERR_CLIENT_TIMEOUT', body: { id: 'j1', status: 'IN_PROGRESS' } });
    // 3000 (capped by wait), then 3000 left, then 1000 left.
    expect(calls.map((c) => c.path.split('=')[1])).toEqual(['3000', '3000', '1000']);
  });
});
