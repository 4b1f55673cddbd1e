// A read-only key reads without changing any job or what another reader gets (issue #12 item 2).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

const RO = { authorization: 'Bearer readonly-key-0123456789' };
const RW = { authorization: 'Bearer client-key-0123456789' };
const WK = { authorization: 'Bearer worker-key-0123456789' };
const W = '/v2/echo';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({
    auth: {
      keys: [
        { name: 'app', key: 'client-key-0123456789', kind: 'client' },
        { name: 'ro', key: 'readonly-key-0123456789', kind: 'client', access: 'read-only' },
        { name: 'box', key: 'worker-key-0123456789', kind: 'worker', endpoints: ['echo'] },
      ],
    },
  });
});
afterEach(async () => {
  await t.close();
});

async function run(): Promise<string> {
  const res = await t.request('POST', `${W}/run`, { body: { input: 1 }, headers: RW });
  expect(res.status).toBe(200);
  return res.json.id as string;
}

async function take(): Promise<string> {
  const res = await t.request('GET', `${W}/job-take/w1`, { headers: WK });
  expect(res.status).toBe(200);
  return res.json.id as string;
}

describe('read-only keys', () => {
  it('refuses status?ttl= with 403 and leaves a queued job queued', async () => {
    const id = await run();
    for (const method of ['GET', 'POST']) {
      const res = await t.request(method, `${W}/status/${id}?ttl=1000`, { headers: RO });
      expect(res.status).toBe(403);
      expect(res.json).toEqual({ error: 'a read-only key cannot change a job', code: 'ERR_AUTH_READ_ONLY' });
    }
    const job = await t.store.get('echo', id);
    expect(job?.status).toBe('IN_QUEUE');
    expect(job?.ttlDeadline).toBeGreaterThan(Date.now() + 3_600_000);
    expect((await t.request('GET', `${W}/status/${id}`, { headers: RO })).json.status).toBe('IN_QUEUE');
  });

  it('still lets a read-write key move the ttl', async () => {
    const id = await run();
    const res = await t.request('POST', `${W}/status/${id}?ttl=1000`, { headers: RW });
    expect(res.status).toBe(200);
    expect((await t.store.get('echo', id))?.ttlDeadline).toBeLessThan(Date.now() + 2000);
  });

  it('reads a stream without consuming it: the read-write reader still gets every item', async () => {
    const id = await run();
    expect(await take()).toBe(id);
    for (const output of ['A', 'B']) {
      const res = await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output }, headers: WK });
      expect(res.status).toBe(200);
    }
    const observed = await t.request('GET', `${W}/stream/${id}?wait=1000`, { headers: RO });
    expect(observed.status).toBe(200);
    expect(observed.json).toMatchObject({ id, status: 'IN_PROGRESS', stream: [] });
    const read = await t.request('GET', `${W}/stream/${id}`, { headers: RW });
    expect(read.json.stream).toEqual([{ output: 'A' }, { output: 'B' }]);
  });

  it('answers a finished stream at once, with its state and no items, leaving them to the reader', async () => {
    const id = await run();
    await take();
    await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output: 'A' }, headers: WK });
    await t.request('POST', `${W}/job-done/w1/${id}?isStream=true`, { body: { output: [] }, headers: WK });
    const started = Date.now();
    const observed = await t.request('GET', `${W}/stream/${id}?wait=60000`, { headers: RO });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(observed.json).toMatchObject({ id, status: 'COMPLETED', stream: [] });
    const sse = await t.request('GET', `${W}/stream/${id}`, { headers: { ...RO, accept: 'text/event-stream' } });
    expect(sse.text).toContain('event: done');
    expect(sse.text).not.toContain('event: stream');
    expect((await t.request('GET', `${W}/stream/${id}`, { headers: RW })).json.stream).toEqual([{ output: 'A' }]);
  });
});
