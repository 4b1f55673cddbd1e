// A draining worker (stopPod, or being scaled down) gets no job, and does not swallow the wake-up of a new job:
// the next waiting worker takes it at once instead of at the end of its hold.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';
import { queueKey } from './wakeups.js';

/** The longest hold allowed, far beyond the test's timeout: an answer at all came from a wake-up. */
const HOLD = 80_000;

describe('Dispatcher and draining workers', () => {
  let t: TestApp;
  afterEach(() => t.close());

  const waiters = () => t.context.wakeups.waiterCount(queueKey('echo'));
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('passes the wake-up of a draining worker on to the next waiting worker', async () => {
    t = await createTestApp({ server: { workerPollHoldMs: HOLD } });
    const drainingTake = t.request('GET', '/v2/echo/job-take/w-draining');
    await until(() => waiters() === 1);
    // Marked draining while it waits (the autoscaler retiring it, or its stopPod).
    await t.store.recordWorker('echo', 'w-draining', { draining: true }, Date.now());
    const healthyTake = t.request('GET', '/v2/echo/job-take/w-healthy');
    await until(() => waiters() === 2);

    const run = await t.request('POST', '/v2/echo/run', { body: { input: 'x' } });
    const taken = await healthyTake;
    expect(taken.status).toBe(200);
    expect(taken.json).toMatchObject({ id: run.json.id, input: 'x' });
    // The draining worker waits out its hold without a job and off the queue.
    expect(waiters()).toBe(0);
    t.beginShutdown();
    expect((await drainingTake).status).toBe(204);
  });
});
