// `POST job-done-batch/{workerId}` (sluice extension): each item applied as its own job-done, one answer per
// item in request order; a malformed or oversized batch is refused whole, failing no job.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ endpoints: { echo: { maxResultBytes: 4096 } } });
});
afterEach(async () => {
  await t.close();
});

const W = '/v2/echo';

/** Submits `n` jobs and leases them all to `worker`; returns their ids in queue order. */
async function running(n: number, worker = 'w1'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await t.request('POST', `${W}/run`, { body: { input: i } })).json.id as string);
  const take = await t.request('GET', `${W}/job-take-batch/${worker}?batch_size=${n}`);
  expect(take.json.map((j: { id: string }) => j.id)).toEqual(ids);
  return ids;
}

const status = async (id: string): Promise<Record<string, unknown>> =>
  (await t.request('GET', `${W}/status/${id}`)).json as Record<string, unknown>;

describe('job-done-batch', () => {
  it('applies every result as its own job-done would, answering one status per item in order', async () => {
    const [a, b, c] = await running(3);
    const res = await t.request('POST', `${W}/job-done-batch/w1?gpu=cpu`, {
      body: [
        { id: a, result: { output: { n: 1 } } },
        { id: b, result: { error: 'boom' } },
        { id: c, isStream: true, result: { output: [] } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      results: [
        { id: a, status: 200 },
        { id: b, status: 200 },
        { id: c, status: 200 },
      ],
    });
    expect(await status(a!)).toMatchObject({ status: 'COMPLETED', output: { n: 1 } });
    expect(await status(b!)).toMatchObject({ status: 'FAILED', error: 'boom' });
    expect(await status(c!)).toMatchObject({ status: 'COMPLETED' });
  });

  it('answers per item: 404 for an unknown job, 400 (and the job failed) for a result that is not an object', async () => {
    const [a, b] = await running(2);
    const res = await t.request('POST', `${W}/job-done-batch/w1`, {
      body: [
        { id: 'no-such-job', result: { output: 1 } },
        { id: a, result: 'text' },
        { id: b, result: { output: 2 } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.results).toEqual([
      { id: 'no-such-job', status: 404, error: 'request does not exist' },
      { id: a, status: 400, error: expect.stringMatching(/json is invalid/) as unknown },
      { id: b, status: 200 },
    ]);
    expect(await status(a!)).toMatchObject({ status: 'FAILED', error: 'worker posted an invalid result' });
    expect(await status(b!)).toMatchObject({ status: 'COMPLETED', output: 2 });
  });

  it('keeps the first final result: a repeated batch changes nothing and still answers 200 per item', async () => {
    const [a] = await running(1);
    await t.request('POST', `${W}/job-done-batch/w1`, { body: [{ id: a, result: { output: 'first' } }] });
    const again = await t.request('POST', `${W}/job-done-batch/w1`, {
      body: [{ id: a, result: { output: 'second' } }],
    });
    expect(again.json.results).toEqual([{ id: a, status: 200 }]);
    expect((await status(a!)).output).toBe('first');
  });

  it('ignores results for jobs leased to another worker, like job-done', async () => {
    const [a] = await running(1, 'w1');
    const res = await t.request('POST', `${W}/job-done-batch/w2`, { body: [{ id: a, result: { output: 1 } }] });
    expect(res.json.results).toEqual([{ id: a, status: 200 }]);
    expect((await status(a!)).status).toBe('IN_PROGRESS');
  });

  it.each([
    ['not an array', { id: 'x', result: {} }, /JSON array/],
    ['empty', [], /1 to 64 results/],
    ['too many', Array.from({ length: 65 }, (_, i) => ({ id: `j${i}`, result: {} })), /1 to 64 results/],
    ['an item without id', [{ result: {} }], /results\[0\]\.id/],
    ['an item without result', [{ id: 'x' }], /results\[0\]\.result is required/],
    ['isStream not a boolean', [{ id: 'x', isStream: 'yes', result: {} }], /isStream must be a boolean/],
  ])('refuses a batch that is %s with 400, applying nothing', async (_name, body, message) => {
    const [a] = await running(1);
    const items = Array.isArray(body) && body.length === 1 ? [...body, { id: a, result: { output: 1 } }] : body;
    const res = await t.request('POST', `${W}/job-done-batch/w1`, { body: items });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(message);
    expect((await status(a!)).status).toBe('IN_PROGRESS');
  });

  it('refuses a batch over the result cap with 413 and fails none of its jobs', async () => {
    const [a, b] = await running(2);
    const big = 'x'.repeat(2500);
    const res = await t.request('POST', `${W}/job-done-batch/w1`, {
      body: [
        { id: a, result: { output: big } },
        { id: b, result: { output: big } },
      ],
    });
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/results are too large together; max size is/);
    expect((await status(a!)).status).toBe('IN_PROGRESS');
    expect((await status(b!)).status).toBe('IN_PROGRESS');
  });
});
