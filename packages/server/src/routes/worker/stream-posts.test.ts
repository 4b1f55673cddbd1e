// job-stream posts: `stream_seq` applies a retried post once (issue #12 item 4), and an unread stream past the
// endpoint's maxStreamBufferBytes fails the job with a clear error (item 5).
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

const W = '/v2/echo';
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function runningJob(app: TestApp): Promise<string> {
  const id = (await app.request('POST', `${W}/run`, { body: { input: 1 } })).json.id as string;
  expect((await app.request('GET', `${W}/job-take/w1`)).json.id).toBe(id);
  return id;
}

describe('job-stream posts', () => {
  it('applies a post retried with the same stream_seq once, and answers the retry 200', async () => {
    t = await createTestApp();
    const id = await runningJob(t);
    for (const [output, seq] of [
      ['A', 1],
      ['A', 1],
      ['B', 2],
    ] as const) {
      const res = await t.request('POST', `${W}/job-stream/w1/${id}?isStream=false&stream_seq=${seq}`, {
        body: { output },
      });
      expect(res.status).toBe(200);
    }
    expect((await t.request('GET', `${W}/stream/${id}`)).json.stream).toEqual([{ output: 'A' }, { output: 'B' }]);
  });

  it('refuses a stream_seq that is not a positive integer', async () => {
    t = await createTestApp();
    const id = await runningJob(t);
    const res = await t.request('POST', `${W}/job-stream/w1/${id}?stream_seq=0`, { body: { output: 'A' } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('ERR_REQUEST_INVALID_FIELD');
    expect((await t.request('GET', `${W}/stream/${id}?wait=1000`)).json.stream).toEqual([]);
  });

  it('fails the job when its unread items would pass maxStreamBufferBytes', async () => {
    t = await createTestApp({ endpoints: { echo: { maxStreamItemBytes: 1024, maxStreamBufferBytes: 2048 } } });
    const id = await runningJob(t);
    const item = { output: 'x'.repeat(900) };
    expect((await t.request('POST', `${W}/job-stream/w1/${id}`, { body: item })).status).toBe(200);
    expect((await t.request('POST', `${W}/job-stream/w1/${id}`, { body: item })).status).toBe(200);
    const over = await t.request('POST', `${W}/job-stream/w1/${id}`, { body: item });
    expect(over.status).toBe(413);
    expect(over.json).toEqual({
      error: 'stream buffer is full; max undelivered is 2 KB',
      code: 'ERR_PAYLOAD_TOO_LARGE',
    });
    const status = (await t.request('GET', `${W}/status/${id}`)).json;
    expect(status).toMatchObject({ status: 'FAILED', error: 'stream buffer exceeded 2 KB of undelivered items' });
    // What was buffered before the cap is still handed out.
    expect((await t.request('GET', `${W}/stream/${id}`)).json.stream).toEqual([item, item]);
  });

  it('keeps a job that is read as fast as it streams', async () => {
    t = await createTestApp({ endpoints: { echo: { maxStreamItemBytes: 1024, maxStreamBufferBytes: 2048 } } });
    const id = await runningJob(t);
    const item = { output: 'x'.repeat(900) };
    for (let i = 0; i < 5; i++) {
      expect((await t.request('POST', `${W}/job-stream/w1/${id}`, { body: item })).status).toBe(200);
      expect((await t.request('GET', `${W}/stream/${id}`)).json.stream).toEqual([item]);
    }
    expect((await t.request('GET', `${W}/status/${id}`)).json.status).toBe('IN_PROGRESS');
  });
});
