import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newJob } from '../../store/testing/conformance-support.js';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const W = '/v2/echo';

async function run(input: unknown = { n: 1 }, extra: Record<string, unknown> = {}) {
  const res = await t.request('POST', `${W}/run`, { body: { input, ...extra } });
  expect(res.status).toBe(200);
  return res.json.id as string;
}

async function take(worker = 'w1') {
  const res = await t.request('GET', `${W}/job-take/${worker}`);
  expect(res.status).toBe(200);
  return res.json as { id: string; input: unknown };
}

describe('POST run', () => {
  it('answers exactly 200 {id, status: IN_QUEUE} with a uuid id', async () => {
    const res = await t.request('POST', `${W}/run`, { body: { input: { prompt: 'hi' } } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.json).sort()).toEqual(['id', 'status']);
    expect(res.json.status).toBe('IN_QUEUE');
    expect(res.json.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('accepts {} as input', async () => {
    const id = await run({});
    expect((await t.request('GET', `${W}/status/${id}`)).json).toEqual({ id, status: 'IN_QUEUE' });
  });

  it.each([
    ['not json', '{nope', 'json is invalid; body must be a JSON object'],
    ['an array', '[1]', 'json is invalid; body must be a JSON object'],
    ['empty', '', 'json is invalid; body must be a JSON object'],
    ['no input', '{"webhook":"http://x.test/"}', 'input is required'],
    ['null input', '{"input":null}', 'input is required'],
    [
      'bad timeout',
      '{"input":1,"policy":{"executionTimeout":10}}',
      'policy.executionTimeout is invalid; must be between 5000 and 604800000',
    ],
    ['bad ttl', '{"input":1,"policy":{"ttl":"x"}}', 'policy.ttl is invalid; must be between 10000 and 604800000'],
    [
      'bad lowPriority',
      '{"input":1,"policy":{"lowPriority":"yes"}}',
      'policy.lowPriority is invalid; must be a boolean',
    ],
    ['bad webhook', '{"input":1,"webhook":"ftp://x"}', 'webhook is invalid; must be an absolute http or https URL'],
    ['bad s3Config', '{"input":1,"s3Config":"x"}', 's3Config is invalid; must be an object'],
  ])('rejects %s with 400 and creates no job', async (_name, body, error) => {
    const res = await t.request('POST', `${W}/run`, { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe(error);
    expect((await t.request('GET', `${W}/health`)).json.jobs.inQueue).toBe(0);
  });

  it('parses JSON whatever the content type, never form-decoding', async () => {
    const res = await t.request('POST', `${W}/run`, {
      body: '{"input":{"a":"b=c&d"}}',
      headers: { 'content-type': 'application/x-www-form-urlencoded', charset: 'utf-8' },
    });
    expect(res.status).toBe(200);
    expect((await take()).input).toEqual({ a: 'b=c&d' });
  });

  it('refuses an oversized body with 413 and creates no job', async () => {
    const small = await createTestApp({ endpoints: { echo: { maxRunBytes: 2048 } } });
    try {
      const res = await small.request('POST', `${W}/run`, { body: { input: 'x'.repeat(4096) } });
      expect(res.status).toBe(413);
      expect(res.json.error).toBe('json is invalid; max size is 2 KB');
      expect((await small.request('GET', `${W}/health`)).json.jobs.inQueue).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('replays an Idempotency-Key with the same body and refuses a different one', async () => {
    const headers = { 'idempotency-key': 'k-1' };
    const a = await t.request('POST', `${W}/run`, { body: { input: 1 }, headers });
    const b = await t.request('POST', `${W}/run`, { body: { input: 1 }, headers });
    expect(b.json.id).toBe(a.json.id);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await t.request('POST', `${W}/run`, { body: { input: 2 }, headers });
    expect(c.status).toBe(409);
    expect(c.json.error).toBe('Idempotency-Key was already used with a different request');
  });
});

describe('status', () => {
  it('answers GET and POST (empty body) alike; unknown ids and other endpoints are 404', async () => {
    const id = await run();
    expect((await t.request('GET', `${W}/status/${id}`)).json).toEqual({ id, status: 'IN_QUEUE' });
    const post = await t.request('POST', `${W}/status/${id}`, {
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    expect(post.json).toEqual({ id, status: 'IN_QUEUE' });
    for (const url of [`${W}/status/nope`, `/v2/other/status/${id}`]) {
      const res = await t.request('GET', url);
      expect(res.status).toBe(404);
      expect(res.json.error).toBe('request does not exist');
    }
  });

  it('shows delayTime, executionTime, workerId and progress output while running, then the result', async () => {
    const id = await run();
    await take('w-a');
    await t.request('POST', `${W}/job-done/w-a/${id}?isStream=false`, {
      body: { status: 'IN_PROGRESS', output: { step: 1 } },
    });
    const running = (await t.request('GET', `${W}/status/${id}`)).json;
    expect(running).toMatchObject({ id, status: 'IN_PROGRESS', workerId: 'w-a', output: { step: 1 } });
    expect(running.delayTime).toBeGreaterThanOrEqual(0);
    expect(running.executionTime).toBeGreaterThanOrEqual(0);
    await t.request('POST', `${W}/job-done/w-a/${id}?isStream=false`, { body: { output: 'done' } });
    const done = (await t.request('GET', `${W}/status/${id}`)).json;
    expect(done).toMatchObject({ status: 'COMPLETED', output: 'done', workerId: 'w-a' });
    expect(done).not.toHaveProperty('error');
  });

  it('validates ?ttl and moves the deadline', async () => {
    const id = await run();
    expect((await t.request('GET', `${W}/status/${id}?ttl=5`)).json.error).toBe(
      'ttl is invalid; must be between 1000 and 604800000',
    );
    expect((await t.request('GET', `${W}/status/${id}?ttl=1e4`)).status).toBe(400);
    expect((await t.request('GET', `${W}/status/${id}?ttl=60000`)).status).toBe(200);
    const job = await t.store.get('echo', id);
    expect(job!.ttlDeadline).toBeGreaterThan(Date.now() + 50_000);
    expect(job!.ttlDeadline).toBeLessThan(Date.now() + 70_000);
  });
});

describe('runsync and status-sync', () => {
  it('runsync returns the finished job as soon as the worker posts it', async () => {
    // The longest wait allowed, far beyond the test's timeout: any answer at all came from the result.
    const pending = t.request('POST', `${W}/runsync?wait=300000`, { body: { input: 'x' } });
    const job = await take();
    expect(job.id).toMatch(/^sync-/);
    await t.request('POST', `${W}/job-done/w1/${job.id}`, { body: { output: 'y' } });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: job.id, status: 'COMPLETED', output: 'y' });
  });

  it('runsync answers the current non-terminal object when wait expires', async () => {
    const res = await t.request('POST', `${W}/runsync?wait=1000`, { body: { input: 'x' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ id: expect.stringMatching(/^sync-/), status: 'IN_QUEUE' });
  });

  it('runsync rejects a bad wait with 400 and creates no job', async () => {
    for (const wait of ['999', '300001', 'abc', '-5', '1.5']) {
      const res = await t.request('POST', `${W}/runsync?wait=${wait}`, { body: { input: 1 } });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('wait is invalid; must be between 1000 and 300000');
    }
    expect((await t.request('GET', `${W}/health`)).json.jobs.inQueue).toBe(0);
  });

  it('status-sync holds through progress and answers at once for terminal jobs', async () => {
    const id = await run();
    await take();
    const held = t.request('GET', `${W}/status-sync/${id}?wait=20000`);
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { status: 'IN_PROGRESS', output: 1 } });
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { error: 'boom' } });
    expect((await held).json).toMatchObject({ id, status: 'FAILED', error: 'boom' });
    // Again with a wait far beyond the test's timeout: answered at all, it did not hold.
    expect((await t.request('POST', `${W}/status-sync/${id}?wait=300000`)).json.status).toBe('FAILED');
  });
});

describe('stream', () => {
  it('hands out each item once, in order, with the terminal flush and an extra empty poll', async () => {
    const id = await run();
    await take();
    const first = t.request('GET', `${W}/stream/${id}?wait=20000`);
    await t.request('POST', `${W}/job-stream/w1/${id}?isStream=false`, { body: { output: 'A' } });
    expect((await first).json).toMatchObject({ id, status: 'IN_PROGRESS', stream: [{ output: 'A' }] });
    await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output: 'B' } });
    await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output: 'C' } });
    await t.request('POST', `${W}/job-done/w1/${id}?isStream=true`, { body: { output: [] } });
    const last = (await t.request('GET', `${W}/stream/${id}`)).json;
    expect(last).toMatchObject({ status: 'COMPLETED', stream: [{ output: 'B' }, { output: 'C' }] });
    expect(last).not.toHaveProperty('output');
    expect((await t.request('GET', `${W}/stream/${id}`)).json.stream).toEqual([]);
    expect((await t.request('GET', `${W}/status/${id}`)).json.output).toEqual([]);
  });

  it('answers [] after wait for a job with nothing to stream, and output for a finished non-streaming job', async () => {
    const id = await run();
    const res = await t.request('GET', `${W}/stream/${id}?wait=1000`);
    expect(res.json).toEqual({ id, status: 'IN_QUEUE', stream: [] });
    await take();
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { output: { v: 1 } } });
    expect((await t.request('GET', `${W}/stream/${id}`)).json).toMatchObject({
      status: 'COMPLETED',
      stream: [],
      output: { v: 1 },
    });
  });
});

describe('cancel, retry, purge-queue, health', () => {
  it('cancels a queued job, is idempotent, and leaves terminal jobs unchanged', async () => {
    const id = await run();
    const res = await t.request('POST', `${W}/cancel/${id}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, status: 'CANCELLED' });
    expect((await t.request('POST', `${W}/cancel/${id}`)).json.status).toBe('CANCELLED');
    expect((await t.request('GET', `${W}/job-take/w1`)).status).toBe(204);
    expect((await t.request('POST', `${W}/cancel/nope`)).status).toBe(404);
  });

  it('cancels a running job at once and queues a job-stop for its worker', async () => {
    const id = await run();
    await take('w9');
    const res = await t.request('POST', `${W}/cancel/${id}`);
    expect(res.json).toMatchObject({ id, status: 'CANCELLED', workerId: 'w9' });
    expect((await t.request('GET', `${W}/job-stop/w9`)).json).toEqual({ jobsToStop: [id] });
    await t.request('POST', `${W}/job-done/w9/${id}`, { body: { output: 'late' } });
    expect((await t.request('GET', `${W}/status/${id}`)).json).not.toHaveProperty('output');
  });

  it('retries only FAILED or TIMED_OUT jobs, keeping the id', async () => {
    const id = await run();
    const bad = await t.request('POST', `${W}/retry/${id}`);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('request cannot be retried; status is IN_QUEUE');
    await take();
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { error: 'x' } });
    expect((await t.request('POST', `${W}/retry/${id}`)).json).toEqual({ id, status: 'IN_QUEUE' });
    expect((await t.request('GET', `${W}/status/${id}`)).json).toEqual({ id, status: 'IN_QUEUE', retries: 1 });
    expect((await take()).id).toBe(id);
  });

  it('purges only queued jobs and reports every health key', async () => {
    const running = await run();
    await take();
    await run();
    await run();
    const res = await t.request('POST', `${W}/purge-queue`, {
      headers: { 'content-type': 'application/json', 'content-length': '0' },
    });
    expect(res.json).toEqual({ removed: 2, status: 'completed' });
    expect((await t.request('GET', `${W}/status/${running}`)).json.status).toBe('IN_PROGRESS');
    const health = await t.request('GET', `${W}/health`, { headers: { 'content-type': 'application/json' } });
    expect(health.json).toEqual({
      jobs: { completed: 0, failed: 0, inProgress: 1, inQueue: 0, retried: 0 },
      workers: { idle: 0, initializing: 0, ready: 1, running: 1, throttled: 0, unhealthy: 0 },
    });
  });

  it('purges a queue larger than one purge step, and every job in it', async () => {
    // Seeded through the store: /run would hit the endpoint's rate limit long before.
    const ids: string[] = [];
    for (let i = 0; i < 1203; i++) {
      ids.push((await t.store.enqueue(newJob({ endpointId: 'echo', createdAt: Date.now() }))).job.id);
    }
    const res = await t.request('POST', `${W}/purge-queue`);
    expect(res.json).toEqual({ removed: 1203, status: 'completed' });
    expect((await t.request('GET', `${W}/health`)).json.jobs).toMatchObject({ inQueue: 0 });
    expect((await t.request('GET', `${W}/status/${ids[1202]}`)).json.status).toBe('CANCELLED');
  });
});
