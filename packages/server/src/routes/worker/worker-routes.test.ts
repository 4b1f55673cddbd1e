import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queueKey, stopKey } from '../../jobs/wakeups.js';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const W = '/v2/echo';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', charset: 'utf-8' };

/** Resolves once `count` requests are parked on `key`: a hold under way, seen rather than guessed by a sleep. */
async function waiting(key: string, count = 1): Promise<void> {
  await vi.waitFor(() => expect(t.context.wakeups.waiterCount(key)).toBe(count), { timeout: 5000 });
}

async function run(input: unknown = 1, extra: Record<string, unknown> = {}): Promise<string> {
  return (await t.request('POST', `${W}/run`, { body: { input, ...extra } })).json.id as string;
}

describe('job-take', () => {
  it('holds, then answers 204 with no body when nothing is queued', async () => {
    const started = Date.now();
    const res = await t.request('GET', `${W}/job-take/w1?gpu=cpu&job_in_progress=0`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('hands a job submitted during the hold to the waiting worker at once', async () => {
    // A hold far longer than the test may run: an answer at all means the job woke the worker.
    await t.close();
    t = await createTestApp({ server: { workerPollHoldMs: 80_000 } });
    const held = t.request('GET', `${W}/job-take/w1`);
    await waiting(queueKey('echo'));
    const id = await run(
      { a: 1 },
      { s3Config: { bucketName: 'b' }, webhook: 'http://h.test/x', policy: { ttl: 60000 } },
    );
    const res = await held;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({ id, input: { a: 1 }, s3Config: { bucketName: 'b' } });
  });

  it('takes FIFO and batches up to batch_size, never answering []', async () => {
    const ids = [await run(1), await run(2), await run(3)];
    const one = await t.request('GET', `${W}/job-take/w1`);
    expect(one.json.id).toBe(ids[0]);
    const batch = await t.request('GET', `${W}/job-take-batch/w1?batch_size=5&job_in_progress=1`);
    expect(batch.json.map((j: { id: string }) => j.id)).toEqual([ids[1], ids[2]]);
    expect((await t.request('GET', `${W}/job-take-batch/w1?batch_size=junk`)).status).toBe(204);
  });

  it('holds many polls at once without a listener-leak warning from the shutdown signal', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      await Promise.all(Array.from({ length: 12 }, (_, i) => t.request('GET', `${W}/job-take/w${i}`)));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('repairs a template without ? (the tail after & is query)', async () => {
    const id = await run();
    const res = await t.request('GET', `${W}/job-take/w1&job_in_progress=0`);
    expect(res.json.id).toBe(id);
    expect((await t.request('POST', `${W}/job-done/w1/${id}&isStream=false`, { body: { output: 2 } })).status).toBe(
      200,
    );
    expect((await t.request('GET', `${W}/status/${id}`)).json.output).toBe(2);
  });

  it('gives a draining worker (stopPod) no more jobs', async () => {
    const id = await run();
    await t.request('GET', `${W}/job-take/w1`);
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { output: 1, stopPod: true } });
    await run();
    expect((await t.request('GET', `${W}/job-take/w1`)).status).toBe(204);
    expect((await t.request('GET', `${W}/job-take/w2`)).status).toBe(200);
  });
});

describe('job-done', () => {
  async function running(worker = 'w1'): Promise<string> {
    const id = await run();
    await t.request('GET', `${W}/job-take/${worker}`);
    return id;
  }

  it('accepts form-typed JSON with raw UTF-8 and answers 200 {}', async () => {
    const id = await running();
    const res = await t.request('POST', `${W}/job-done/w1/${id}?gpu=cpu&isStream=false`, {
      body: Buffer.from('{"output": "héllo ✓"}', 'utf8'),
      headers: FORM,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    expect((await t.request('GET', `${W}/status/${id}`)).json).toMatchObject({
      status: 'COMPLETED',
      output: 'héllo ✓',
    });
  });

  it.each([
    [{ output: null }, { status: 'COMPLETED', output: null }],
    [{}, { status: 'COMPLETED' }],
    [{ error: '' }, { status: 'COMPLETED' }],
    [
      { error: 0, output: 1 },
      { status: 'COMPLETED', output: 1 },
    ],
    [
      { error: 'custom', output: { partial: 1 } },
      { status: 'FAILED', error: 'custom', output: { partial: 1 } },
    ],
    [{ error: { kind: 'x' } }, { status: 'FAILED', error: '{"kind":"x"}' }],
    [
      { status: 'FAILED', output: 3 },
      { status: 'COMPLETED', output: 3 },
    ],
  ])('classifies %j', async (body, expected) => {
    const id = await running();
    await t.request('POST', `${W}/job-done/w1/${id}`, { body });
    const status = (await t.request('GET', `${W}/status/${id}`)).json;
    expect(status).toMatchObject(expected);
    if (!('output' in expected)) expect(status).not.toHaveProperty('output');
  });

  it('keeps the first final result; later posts and progress get 200 and change nothing', async () => {
    const id = await running();
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { output: 'first' } });
    for (const body of [{ output: 'second' }, { status: 'IN_PROGRESS', output: 'p' }]) {
      expect((await t.request('POST', `${W}/job-done/w1/${id}`, { body })).status).toBe(200);
    }
    expect((await t.request('GET', `${W}/status/${id}`)).json.output).toBe('first');
  });

  it('ignores posts from a worker that does not hold the job, and 404s unknown jobs', async () => {
    const id = await running('w1');
    expect((await t.request('POST', `${W}/job-done/w2/${id}`, { body: { output: 'x' } })).status).toBe(200);
    expect((await t.request('GET', `${W}/status/${id}`)).json.status).toBe('IN_PROGRESS');
    const res = await t.request('POST', `${W}/job-done/w1/nope`, { body: { output: 1 } });
    expect(res.status).toBe(404);
    expect(res.json.error).toBe('request does not exist');
  });

  it('fails the job with a job-stop on an invalid body', async () => {
    const id = await running();
    const res = await t.request('POST', `${W}/job-done/w1/${id}`, { body: 'not json', headers: FORM });
    expect(res.status).toBe(400);
    expect((await t.request('GET', `${W}/status/${id}`)).json).toMatchObject({
      status: 'FAILED',
      error: 'worker posted an invalid result',
    });
    expect((await t.request('GET', `${W}/job-stop/w1`)).json).toEqual({ jobsToStop: [id] });
  });

  it('fails the job on an oversized result or stream item (413)', async () => {
    const small = await createTestApp({ endpoints: { echo: { maxResultBytes: 2048, maxStreamItemBytes: 1024 } } });
    try {
      const a = (await small.request('POST', `${W}/run`, { body: { input: 1 } })).json.id;
      const b = (await small.request('POST', `${W}/run`, { body: { input: 1 } })).json.id;
      await small.request('GET', `${W}/job-take-batch/w1?batch_size=2`);
      const big = await small.request('POST', `${W}/job-done/w1/${a}`, { body: { output: 'x'.repeat(3000) } });
      expect(big.status).toBe(413);
      expect(big.json.error).toMatch(/^result is too large; max size is/);
      expect((await small.request('GET', `${W}/status/${a}`)).json.status).toBe('FAILED');
      const chunk = await small.request('POST', `${W}/job-stream/w1/${b}`, { body: { output: 'y'.repeat(2000) } });
      expect(chunk.status).toBe(413);
      expect(chunk.json.error).toMatch(/^stream chunk is too large; max size is/);
      expect((await small.request('GET', `${W}/status/${b}`)).json.status).toBe('FAILED');
    } finally {
      await small.close();
    }
  });

  it('fails the job on a result over the server-wide limit sent without Content-Length (413)', async () => {
    const caps = { maxRunBytes: 2048, maxRunsyncBytes: 2048, maxResultBytes: 2048, maxStreamItemBytes: 1024 };
    // With every cap this small the server-wide body limit is its 1 MB floor, which Fastify enforces itself.
    const small = await createTestApp({ endpoints: { echo: caps } });
    try {
      const id = (await small.request('POST', `${W}/run`, { body: { input: 1 } })).json.id as string;
      await small.request('GET', `${W}/job-take/w1`);
      const chunks = [Buffer.from('{"output": "'), Buffer.alloc(1536 * 1024, 'x'), Buffer.from('"}')];
      const res = await small.app.inject({
        method: 'POST',
        url: `${W}/job-done/w1/${id}`,
        headers: { 'content-type': 'application/json' },
        payload: Readable.from(chunks),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json<{ error: string }>().error).toMatch(/^result is too large; max size is/);
      expect((await small.request('GET', `${W}/status/${id}`)).json).toMatchObject({
        status: 'FAILED',
        error: expect.stringMatching(/^result exceeded/) as unknown,
      });
    } finally {
      await small.close();
    }
  });

  it('drops a non-object stream item with 400 and leaves the job alone', async () => {
    const id = await running();
    expect((await t.request('POST', `${W}/job-stream/w1/${id}`, { body: '[1,2]' })).status).toBe(400);
    expect((await t.request('GET', `${W}/status/${id}`)).json.status).toBe('IN_PROGRESS');
  });
});

describe('job-stop and ping', () => {
  it('job-stop holds then 204s, and wakes at once when a running job is cancelled', async () => {
    expect((await t.request('GET', `${W}/job-stop/w1`)).status).toBe(204);
    const id = await run();
    await t.request('GET', `${W}/job-take/w1`);
    const held = t.request('GET', `${W}/job-stop/w1`, { headers: { 'x-request-id': 'stale' } });
    await waiting(stopKey('echo', 'w1'));
    await t.request('POST', `${W}/cancel/${id}`);
    expect((await held).json).toEqual({ jobsToStop: [id] });
  });

  it('ping answers 200 {} and records the worker, its version and its jobs', async () => {
    const id = await run();
    await t.request('GET', `${W}/job-take/w1`);
    const res = await t.request('GET', `${W}/ping/w1?gpu=A100&job_id=${id}%2Cother&runpod_version=1.12.0`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({});
    const worker = await t.store.getWorker('echo', 'w1');
    expect(worker).toMatchObject({ version: '1.12.0', pingJobIds: [id, 'other'], label: 'A100', inFlight: 1 });
  });

  it('an unhealthy ping marks the worker unhealthy in /health', async () => {
    await t.request('GET', `${W}/ping/w1?status=unhealthy&check=disk&reason=full&runpod_version=1.12.0`);
    expect((await t.request('GET', `${W}/health`)).json.workers.unhealthy).toBe(1);
  });
});
