// A worker that sends stopPod (spec §6.2): the job-take and job-stop polls it holds are answered 204 at once,
// so runpod-python exits and its GPU is handed on without waiting out a hold, and /health stops counting it.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';
import { queueKey, stopKey } from '../../jobs/wakeups.js';

// Far longer than the test timeout: a poll still held when the hold ends fails the test by timing out.
const HOLD = 60_000;
const W = '/v2/echo';

let t: TestApp;
afterEach(() => t.close());

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('a worker that sends stopPod', () => {
  it('gets the job-take and job-stop polls it holds answered 204 at once', async () => {
    t = await createTestApp({ server: { workerPollHoldMs: HOLD } });
    const id = (await t.request('POST', `${W}/run`, { body: { input: 1 } })).json.id as string;
    expect((await t.request('GET', `${W}/job-take/w1`)).json.id).toBe(id);
    const take = t.request('GET', `${W}/job-take-batch/w1?batch_size=2&job_in_progress=1`);
    const stop = t.request('GET', `${W}/job-stop/w1`);
    await until(() => t.context.wakeups.waiterCount(stopKey('echo', 'w1')) >= 2);
    await until(() => t.context.wakeups.waiterCount(queueKey('echo')) === 1);

    const done = await t.request('POST', `${W}/job-done/w1/${id}?isStream=false`, {
      body: { output: 1, stopPod: true },
    });
    expect(done.status).toBe(200);
    expect((await take).status).toBe(204);
    expect((await stop).status).toBe(204);
    expect((await t.request('GET', `${W}/status/${id}`)).json.status).toBe('COMPLETED');
  });

  it('leaves the polls of other workers held', async () => {
    t = await createTestApp({ server: { workerPollHoldMs: HOLD } });
    const id = (await t.request('POST', `${W}/run`, { body: { input: 1 } })).json.id as string;
    await t.request('GET', `${W}/job-take/w1`);
    const other = t.request('GET', `${W}/job-take/w2`);
    await until(() => t.context.wakeups.waiterCount(queueKey('echo')) === 1);
    await t.request('POST', `${W}/job-done/w1/${id}`, { body: { output: 1, stopPod: true } });
    const next = (await t.request('POST', `${W}/run`, { body: { input: 2 } })).json.id as string;
    expect((await other).json.id).toBe(next);
  });

  it('is counted neither idle nor ready by /health', async () => {
    t = await createTestApp();
    for (const worker of ['w1', 'w2']) {
      const id = (await t.request('POST', `${W}/run`, { body: { input: 1 } })).json.id as string;
      await t.request('GET', `${W}/job-take/${worker}`);
      const stopPod = worker === 'w1';
      await t.request('POST', `${W}/job-done/${worker}/${id}`, { body: { output: 1, stopPod } });
    }
    const health = await t.request('GET', `${W}/health`);
    expect(health.json.workers).toMatchObject({ idle: 1, ready: 1, running: 0 });
  });
});
