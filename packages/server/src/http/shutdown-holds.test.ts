// Graceful shutdown in two steps: worker polls answer first (workers back off and drain), client holds
// keep waiting for the results the draining workers post, and answer when the server is about to close.
import { afterEach, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';

let t: TestApp;
afterEach(() => t.close());

it('answers worker polls at once on shutdown but keeps client holds until endHolds', async () => {
  t = await createTestApp({ server: { workerPollHoldMs: 20_000 } });
  const { id } = (await t.request('POST', '/v2/echo/run', { body: { input: 1 } })).json as { id: string };
  await t.request('GET', '/v2/echo/job-take/w1');
  let answered = false;
  const held = t.request('GET', `/v2/echo/status-sync/${id}?wait=20000`).then((res) => {
    answered = true;
    return res;
  });
  const take = t.request('GET', '/v2/other/job-take/w2');
  await new Promise((resolve) => setImmediate(resolve));
  t.beginShutdown();
  // The held poll answers now; the worker's next poll is told to back off.
  expect((await take).status).toBe(204);
  const backOff = await t.request('GET', '/v2/other/job-take/w2');
  expect(backOff.status).toBe(429);
  expect(backOff.headers['retry-after']).toBe('5');
  expect(answered).toBe(false);
  // The draining worker still posts its result, and the held client sees it.
  await t.request('POST', `/v2/echo/job-done/w1/${id}`, { body: { output: 'drained' } });
  expect((await held).json).toMatchObject({ id, status: 'COMPLETED', output: 'drained' });
  const late = t.request('GET', `/v2/echo/status-sync/${id}`);
  t.endHolds();
  expect((await late).status).toBe(200);
});
