// A launched worker's token names its worker: under another worker's id it opens nothing (issue #12 item 8).
// Shared worker keys (`kind: worker` in auth.keys) still act for any worker id of their endpoints.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';

const CLIENT = { authorization: 'Bearer client-key-0123456789' };
const SHARED = { authorization: 'shared-worker-key-0123456789' };
const W = '/v2/echo';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setUp(workerTokenSecret?: string) {
  t = await createTestApp({
    auth: {
      ...(workerTokenSecret === undefined ? {} : { workerTokenSecret }),
      keys: [
        { name: 'app', key: 'client-key-0123456789', kind: 'client' },
        { name: 'box', key: 'shared-worker-key-0123456789', kind: 'worker', endpoints: ['echo'] },
      ],
    },
  });
  const app = t;
  const a = { authorization: app.services.auth.issueWorkerToken('echo', 'w-a') };
  const b = { authorization: app.services.auth.issueWorkerToken('echo', 'w-b') };
  const id = (await app.request('POST', `${W}/run`, { body: { input: 1 }, headers: CLIENT })).json.id as string;
  const taken = await app.request('GET', `${W}/job-take/w-a`, { headers: a });
  expect(taken.json.id).toBe(id);
  return { app, a, b, id };
}

describe.each([
  ['remembered tokens', undefined],
  ['signed tokens', 'worker-token-secret-0123456789abcdef'],
])('launched worker identity (%s)', (_name, secret) => {
  it("refuses another worker's token under this worker's id, with 403, and changes nothing", async () => {
    const { app, b, id } = await setUp(secret);
    const posts: [string, string, unknown][] = [
      ['POST', `${W}/job-done/w-a/${id}`, { output: 'forged' }],
      ['POST', `${W}/job-stream/w-a/${id}`, { output: 'forged' }],
      ['POST', `${W}/job-done-batch/w-a`, [{ id, result: { output: 'forged' } }]],
      ['GET', `${W}/ping/w-a?job_id=${id}`, undefined],
      ['GET', `${W}/job-stop/w-a`, undefined],
      ['GET', `${W}/job-take/w-a`, undefined],
    ];
    for (const [method, url, body] of posts) {
      const res = await app.request(method, url, { body, headers: b });
      expect(res.status, url).toBe(403);
      expect(res.json).toEqual({ error: 'this worker token belongs to another worker', code: 'ERR_AUTH_WRONG_WORKER' });
    }
    const job = await app.store.get('echo', id);
    expect(job).toMatchObject({ status: 'IN_PROGRESS', workerId: 'w-a', streaming: false });
    expect((await app.store.getWorker('echo', 'w-a'))?.draining).toBe(false);
  });

  it('lets each token act under its own id', async () => {
    const { app, a, b, id } = await setUp(secret);
    expect((await app.request('GET', `${W}/ping/w-b`, { headers: b })).status).toBe(200);
    const done = await app.request('POST', `${W}/job-done/w-a/${id}`, { body: { output: 'ok' }, headers: a });
    expect(done.status).toBe(200);
    expect((await app.store.get('echo', id))?.status).toBe('COMPLETED');
  });

  it('keeps shared worker keys acting for any worker id of their endpoint', async () => {
    const { app, id } = await setUp(secret);
    const done = await app.request('POST', `${W}/job-done/w-a/${id}`, { body: { output: 'ok' }, headers: SHARED });
    expect(done.status).toBe(200);
    expect((await app.store.get('echo', id))?.status).toBe('COMPLETED');
  });
});
