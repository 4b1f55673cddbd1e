// `?next=N` on job-done and job-done-batch (sluice extension): the answer carries up to N queued jobs claimed for
// the worker, under job-take's rules; without `next` the answer is what RunPod workers get today.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';
import { queueKey } from '../../jobs/wakeups.js';
import { newJob } from '../../store/testing/conformance-support.js';

const W = '/v2/echo';
/** Far beyond the test timeout: a take still held when it ends fails the test. */
const HOLD = 60_000;

let t: TestApp;
afterEach(async () => {
  await t.close();
});

async function submit(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await t.request('POST', `${W}/run`, { body: { input: i } })).json.id as string);
  return ids;
}

const status = async (id: string): Promise<Record<string, unknown>> =>
  (await t.request('GET', `${W}/status/${id}`)).json as Record<string, unknown>;

/** One job leased to `worker`, with `queued` more behind it. */
async function runningWithQueue(queued: number, worker = 'w1'): Promise<{ running: string; queued: string[] }> {
  const [running] = await submit(1);
  expect((await t.request('GET', `${W}/job-take/${worker}`)).json.id).toBe(running);
  return { running: running!, queued: await submit(queued) };
}

describe('job-done?next=N', () => {
  it('answers exactly {} without next', async () => {
    t = await createTestApp();
    const { running } = await runningWithQueue(1);
    const res = await t.request('POST', `${W}/job-done/w1/${running}?isStream=false`, { body: { output: 1 } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{}');
  });

  it('records the result, then hands over the oldest queued jobs in job-take-batch shape', async () => {
    t = await createTestApp();
    const { running, queued } = await runningWithQueue(3);
    const res = await t.request('POST', `${W}/job-done/w1/${running}?gpu=cpu&isStream=false&next=2`, {
      body: { output: 'done' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      next: [
        { id: queued[0], input: 0 },
        { id: queued[1], input: 1 },
      ],
    });
    expect(await status(running)).toMatchObject({ status: 'COMPLETED', output: 'done' });
    expect(await status(queued[0]!)).toMatchObject({ status: 'IN_PROGRESS', workerId: 'w1' });
    expect(await status(queued[2]!)).toMatchObject({ status: 'IN_QUEUE' });
    // The jobs handed over are leased like taken ones: the worker's posts for them apply.
    await t.request('POST', `${W}/job-done/w1/${queued[0]}`, { body: { output: 'next one' } });
    expect(await status(queued[0]!)).toMatchObject({ status: 'COMPLETED', output: 'next one' });
  });

  it('answers an empty next at once when nothing is queued', async () => {
    t = await createTestApp({ server: { workerPollHoldMs: HOLD } });
    const { running } = await runningWithQueue(0);
    const res = await t.request('POST', `${W}/job-done/w1/${running}?next=4`, { body: { output: 1 } });
    expect(res.json).toEqual({ next: [] });
  });

  it.each(['0', '65', 'abc', '-1', '1.5'])('refuses next=%s with 400, applying nothing', async (n) => {
    t = await createTestApp();
    const { running, queued } = await runningWithQueue(1);
    const res = await t.request('POST', `${W}/job-done/w1/${running}?next=${n}`, { body: { output: 1 } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/next/);
    expect((await status(running)).status).toBe('IN_PROGRESS');
    expect((await status(queued[0]!)).status).toBe('IN_QUEUE');
  });

  it('gives a worker that drains (stopPod in this very post) nothing', async () => {
    t = await createTestApp();
    const { running, queued } = await runningWithQueue(2);
    const res = await t.request('POST', `${W}/job-done/w1/${running}?next=2`, { body: { output: 1, stopPod: true } });
    expect(res.json).toEqual({ next: [] });
    expect((await status(queued[0]!)).status).toBe('IN_QUEUE');
  });

  it('gives nothing while the same worker holds a job-take; another worker still gets its next jobs', async () => {
    t = await createTestApp({ server: { workerPollHoldMs: HOLD } });
    const [a, b] = await submit(2);
    await t.request('GET', `${W}/job-take/w1`);
    await t.request('GET', `${W}/job-take/w2`);
    const held = t.request('GET', `${W}/job-take-batch/w1?batch_size=2`);
    while (t.context.wakeups.waiterCount(queueKey('echo')) === 0) await new Promise((r) => setTimeout(r, 5));
    // Queued behind the store's back: no wake-up reaches the held take, so the jobs stay queued.
    const queued = newJob({ endpointId: 'echo', createdAt: Date.now(), input: 'q' });
    await t.store.enqueue(queued);

    const res = await t.request('POST', `${W}/job-done/w1/${a}?next=1`, { body: { output: 1 } });
    expect(res.json).toEqual({ next: [] });
    const other = await t.request('POST', `${W}/job-done/w2/${b}?next=1`, { body: { output: 1 } });
    expect(other.json).toEqual({ next: [{ id: queued.id, input: 'q' }] });
    t.beginShutdown();
    expect((await held).status).toBe(204);
  });

  it('gives nothing while the server shuts down, and still records the result', async () => {
    t = await createTestApp();
    const { running, queued } = await runningWithQueue(1);
    t.beginShutdown();
    const res = await t.request('POST', `${W}/job-done/w1/${running}?next=1`, { body: { output: 1 } });
    expect(res.json).toEqual({ next: [] });
    expect((await status(running)).status).toBe('COMPLETED');
    expect((await status(queued[0]!)).status).toBe('IN_QUEUE');
  });

  it('hands the claimed jobs back, no retry counted, when the post itself is refused', async () => {
    t = await createTestApp();
    const [queued] = await submit(1);
    const res = await t.request('POST', `${W}/job-done/w1/no-such-job?next=1`, { body: { output: 1 } });
    expect(res.status).toBe(404);
    const job = await status(queued!);
    expect(job.status).toBe('IN_QUEUE');
    expect(job.retries).toBeUndefined();
  });
});

describe('job-done-batch?next=N', () => {
  it('answers the results and the next jobs; without next, the results alone', async () => {
    t = await createTestApp();
    const [a, b] = await submit(2);
    await t.request('GET', `${W}/job-take-batch/w1?batch_size=2`);
    const queued = await submit(2);
    const plain = await t.request('POST', `${W}/job-done-batch/w1`, { body: [{ id: a, result: { output: 1 } }] });
    expect(plain.json).toEqual({ results: [{ id: a, status: 200 }] });
    const res = await t.request('POST', `${W}/job-done-batch/w1?next=3`, { body: [{ id: b, result: { output: 2 } }] });
    expect(res.json).toEqual({
      results: [{ id: b, status: 200 }],
      next: [
        { id: queued[0], input: 0 },
        { id: queued[1], input: 1 },
      ],
    });
    expect(await status(b!)).toMatchObject({ status: 'COMPLETED', output: 2 });
  });

  it('gives nothing when an item of the batch carries stopPod', async () => {
    t = await createTestApp();
    const [a] = await submit(1);
    await t.request('GET', `${W}/job-take/w1`);
    const [queued] = await submit(1);
    const res = await t.request('POST', `${W}/job-done-batch/w1?next=1`, {
      body: [{ id: a, result: { output: 1, stopPod: true } }],
    });
    expect(res.json).toEqual({ results: [{ id: a, status: 200 }], next: [] });
    expect((await status(queued!)).status).toBe('IN_QUEUE');
  });

  it('refuses a bad next with 400, applying nothing', async () => {
    t = await createTestApp();
    const [a] = await submit(1);
    await t.request('GET', `${W}/job-take/w1`);
    const res = await t.request('POST', `${W}/job-done-batch/w1?next=100`, { body: [{ id: a, result: {} }] });
    expect(res.status).toBe(400);
    expect((await status(a!)).status).toBe('IN_PROGRESS');
  });
});
