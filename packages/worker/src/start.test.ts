// Integration: a real worker against the fake worker API, one handler shape per test (spec §6.4, §6.5).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobContext } from './handler.js';
import { start } from './start.js';
import { FakeWorkerApi } from './testing/fake-worker-api.js';
import { runWorker, type RunningWorker } from './testing/run-worker.js';

let api: FakeWorkerApi;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  api = await FakeWorkerApi.start();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await api.close();
});

describe('plain handlers', () => {
  it('takes a job, runs a sync handler and posts {"output": value}', async () => {
    api.enqueue({ id: 'j1', input: { n: 41 } });
    worker = runWorker<{ n: number }>(api, { handler: (job) => job.input.n + 1 });
    const done = await api.waitForResult('j1');
    expect(done.json).toEqual({ output: 42 });
    expect(done.workerId).toBe('w1');
    expect(done.query.get('isStream')).toBe('false');
    expect(done.query.get('gpu')).toBe('cpu');
    // Raw token, no scheme, as runpod-python sends it (spec §1.2).
    expect(done.headers['authorization']).toBe('worker-token');
    const take = api.of('job-take')[0]!;
    expect(take.query.get('job_in_progress')).toBe('0');
    expect(take.headers['authorization']).toBe('worker-token');
  });

  it('awaits async handlers and passes the whole job object, s3Config included', async () => {
    const s3Config = { accessId: 'a', accessSecret: 's', bucketName: 'b', endpointUrl: 'http://s3' };
    api.enqueue({ id: 'j1', input: 'hi', s3Config });
    let seen: unknown;
    worker = runWorker<string>(api, {
      handler: async (job) => {
        seen = job;
        await Promise.resolve();
        return { text: `${job.input}!`, error: 'custom error text' };
      },
    });
    const done = await api.waitForResult('j1');
    expect(done.json).toEqual({ output: { text: 'hi!' }, error: 'custom error text' });
    expect(seen).toEqual({ id: 'j1', input: 'hi', s3Config });
  });

  it('posts undefined as {"output": null}', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { handler: () => undefined });
    expect((await api.waitForResult('j1')).body).toBe('{"output":null}');
  });

  it('reports a thrown error as the runpod-python JSON string (spec §2.7)', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, {
      handler: () => {
        throw new TypeError('boom');
      },
    });
    const done = await api.waitForResult('j1');
    const { error } = done.json as { error: string };
    expect(JSON.parse(error)).toMatchObject({
      error_type: "<class 'TypeError'>",
      error_message: 'boom',
      hostname: 'host-1',
      worker_id: 'w1',
      runpod_version: '1.12.0-sluice',
    });
    expect(JSON.parse(error).error_traceback).toContain('TypeError: boom');
  });

  it('reports a rejected promise the same way', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { handler: () => Promise.reject(new RangeError('late boom')) });
    const { error } = (await api.waitForResult('j1')).json as { error: string };
    expect(JSON.parse(error)).toMatchObject({ error_type: "<class 'RangeError'>", error_message: 'late boom' });
  });

  it('reports a result JSON cannot carry as a handler error', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { handler: () => ({ big: 1n }) });
    const { error } = (await api.waitForResult('j1')).json as { error: string };
    expect(JSON.parse(error)).toMatchObject({ error_type: "<class 'TypeError'>" });
  });
});

describe('generator handlers', () => {
  it('streams each yield in order, then posts the final job-done with isStream=true', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, {
      handler: async function* () {
        yield 'a';
        await Promise.resolve();
        yield { part: 2 };
        yield 'c';
      },
    });
    const done = await api.waitForResult('j1');
    expect(api.of('job-stream', 'j1').map((r) => r.json)).toEqual([
      { output: 'a' },
      { output: { part: 2 } },
      { output: 'c' },
    ]);
    expect(api.of('job-stream', 'j1').every((r) => r.query.get('isStream') === 'false')).toBe(true);
    expect(done.query.get('isStream')).toBe('true');
    expect(done.json).toEqual({ output: [] });
    // Every stream post had arrived before the final one.
    expect(Math.max(...api.of('job-stream').map((r) => r.at))).toBeLessThanOrEqual(done.at);
  });

  it('numbers its stream posts, and a retried post keeps its number (stream_seq)', async () => {
    api.enqueue({ id: 'j1', input: {} });
    // The first post's answer is lost as a 503 after a Redis stall: the server may have applied it.
    api.streamStatuses = [503];
    worker = runWorker(api, {
      handler: function* () {
        yield 'A';
        yield 'B';
      },
    });
    await api.waitForResult('j1');
    const posts = api.of('job-stream', 'j1');
    expect(posts.map((r) => [r.json, r.query.get('stream_seq')])).toEqual([
      [{ output: 'A' }, '1'],
      [{ output: 'A' }, '1'],
      [{ output: 'B' }, '2'],
    ]);
  });

  it('aggregates the items into the final output with returnAggregateStream (sync generator)', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, {
      returnAggregateStream: true,
      handler: function* () {
        yield 1;
        yield 2;
      },
    });
    expect((await api.waitForResult('j1')).json).toEqual({ output: [1, 2] });
    expect(api.of('job-stream', 'j1')).toHaveLength(2);
  });

  it('streams from an async function that returns a generator', async () => {
    api.enqueue({ id: 'j1', input: {} });
    function* items(): Generator<string> {
      yield 'x';
    }
    worker = runWorker(api, { handler: async () => Promise.resolve(items()) });
    expect((await api.waitForResult('j1')).query.get('isStream')).toBe('true');
    expect(api.of('job-stream', 'j1').map((r) => r.json)).toEqual([{ output: 'x' }]);
  });

  it('ends a generator that throws with "handler: … \\ntraceback: …"', async () => {
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, {
      handler: async function* () {
        yield 'first';
        await Promise.resolve();
        throw new Error('bad');
      },
    });
    const done = await api.waitForResult('j1');
    expect(done.query.get('isStream')).toBe('true');
    expect((done.json as { error: string }).error).toMatch(/^handler: bad \ntraceback: Error: bad/);
    expect(api.of('job-stream', 'j1').map((r) => r.json)).toEqual([{ output: 'first' }]);
  });

  it('does not stream a yielded dict with a truthy error: it fails the job', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let closed = false;
    worker = runWorker(api, {
      handler: function* () {
        try {
          yield 'ok';
          yield { error: 'nope' };
          yield 'never';
        } finally {
          closed = true;
        }
      },
    });
    const done = await api.waitForResult('j1');
    expect(done.json).toEqual({ error: 'nope' });
    expect(done.query.get('isStream')).toBe('true');
    expect(api.of('job-stream', 'j1').map((r) => r.json)).toEqual([{ output: 'ok' }]);
    expect(closed).toBe(true);
  });
});

describe('progress', () => {
  it('posts IN_PROGRESS updates before the result, and none after it', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let ctx: JobContext | undefined;
    worker = runWorker(api, {
      handler: async (_job, context) => {
        ctx = context;
        await context.progress({ step: 1 });
        void context.progress({ step: 2 }); // not awaited: still ordered before the result
        return 'ok';
      },
    });
    await api.waitForResult('j1');
    await ctx!.progress('too late');
    const posts = api.of('job-done', 'j1');
    expect(posts.map((r) => r.json)).toEqual([
      { status: 'IN_PROGRESS', output: { step: 1 } },
      { status: 'IN_PROGRESS', output: { step: 2 } },
      { output: 'ok' },
    ]);
    expect(posts.map((r) => r.query.get('isStream'))).toEqual(['false', 'false', 'false']);
  });
});

describe('retries of job-done', () => {
  it('retries 5xx and network-level failures, then delivers', async () => {
    api.doneStatuses = [503, 500];
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { handler: () => 'ok' });
    await api.waitFor((r) => r.route === 'job-done' && api.of('job-done').length === 3);
    expect(api.of('job-done', 'j1').map((r) => r.body)).toEqual([
      '{"output":"ok"}',
      '{"output":"ok"}',
      '{"output":"ok"}',
    ]);
  });

  it('never retries a 4xx, and gives up after 3 attempts', async () => {
    api.doneStatuses = [404, 500, 500, 500];
    api.enqueue({ id: 'j1', input: {} }, { id: 'j2', input: {} });
    worker = runWorker(api, { handler: () => 'ok' });
    // j1: one 404 → given up at once. j2: three 500s → dropped. Neither blocks the next take.
    await api.waitFor(() => api.of('job-done', 'j2').length === 3);
    await api.waitFor((r) => r.route === 'job-take' && r.at > api.of('job-done', 'j2')[2]!.at);
    expect(api.of('job-done', 'j1')).toHaveLength(1);
    expect(api.of('job-done', 'j2')).toHaveLength(3);
    expect(worker.log.lines.some((l) => l.startsWith('warn j1') && l.includes('no longer knows'))).toBe(true);
  });
});

describe('stopPod', () => {
  it('with refreshWorker, marks every result and stops after the first job', async () => {
    api.enqueue({ id: 'j1', input: {} }, { id: 'j2', input: {} });
    worker = runWorker(api, { refreshWorker: true, handler: () => ({ a: 1 }) });
    await worker.done;
    expect(api.of('job-done').map((r) => r.json)).toEqual([{ output: { a: 1 }, stopPod: true }]);
    expect(api.of('job-take')).toHaveLength(1);
  });

  it('a handler-level refresh_worker also drains and stops the worker', async () => {
    api.enqueue({ id: 'j1', input: {} }, { id: 'j2', input: {} });
    worker = runWorker(api, { handler: () => ({ a: 1, refresh_worker: true }) });
    await worker.done;
    expect(api.of('job-done').map((r) => r.json)).toEqual([{ output: { a: 1 }, stopPod: true }]);
  });
});

describe('start() preconditions', () => {
  it('rejects clearly when RUNPOD_WEBHOOK_GET_JOB is unset and there is no test input', async () => {
    await expect(start({ handler: () => 1, env: {}, argv: [], installSignalHandlers: false })).rejects.toThrow(
      /RUNPOD_WEBHOOK_GET_JOB is not set.*--test_input/,
    );
  });

  it('rejects bad options', async () => {
    await expect(start({ handler: () => 1, concurrency: 0, env: {}, argv: [] })).rejects.toThrow(RangeError);
    // @ts-expect-error: a handler is required
    await expect(start({ env: {}, argv: [] })).rejects.toThrow(TypeError);
  });
});

describe('results batched through job-done-batch (SLUICE_WEBHOOK_POST_OUTPUT_BATCH)', () => {
  const jobs = () => [1, 2, 3].map((n) => ({ id: `j${n}`, input: n }));

  it('sends the results of jobs finishing together in one request when the launcher offers the route', async () => {
    api.enqueue(...jobs());
    const env = api.env('w1', {
      SLUICE_WEBHOOK_POST_OUTPUT_BATCH: `${api.baseUrl}/v2/ep/job-done-batch/$RUNPOD_POD_ID?gpu=cpu`,
    });
    worker = runWorker<number>(api, { env, concurrency: 3, handler: (job) => job.input * 10 });
    const batch = await api.waitFor((r) => r.route === 'job-done-batch');
    expect(batch.workerId).toBe('w1');
    expect(batch.query.get('gpu')).toBe('cpu');
    expect(batch.json).toEqual([
      { id: 'j1', isStream: false, result: { output: 10 } },
      { id: 'j2', isStream: false, result: { output: 20 } },
      { id: 'j3', isStream: false, result: { output: 30 } },
    ]);
    await worker.stop();
    expect(api.of('job-done')).toEqual([]);
  });

  it('posts each result with its own job-done without the variable, as on RunPod', async () => {
    api.enqueue(...jobs());
    worker = runWorker<number>(api, { concurrency: 3, handler: (job) => job.input * 10 });
    await api.waitFor(() => api.of('job-done').length === 3);
    expect(api.of('job-done').map((r) => r.jobId)).toEqual(['j1', 'j2', 'j3']);
    expect(api.of('job-done-batch')).toEqual([]);
  });
});
