// The admin job history and log routes over a real app and SQLite file: listing with filters and pages, bad
// parameters, the whole record (timeline, stream count, input) surviving RunPod's retention, logs as JSON and
// followed over SSE until the job ends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app-fixture.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ endpoints: { echo: { runRetention: 60_000 }, other: {} } });
});
afterEach(async () => {
  await t.close();
});

const W = '/v2/echo';
const A = '/admin/endpoints/echo';

async function run(input: unknown = 1): Promise<string> {
  return (await t.request('POST', `${W}/run`, { body: { input } })).json.id as string;
}

async function take(worker = 'w1'): Promise<string> {
  return (await t.request('GET', `${W}/job-take/${worker}`)).json.id as string;
}

async function done(id: string, body: unknown, worker = 'w1'): Promise<void> {
  expect((await t.request('POST', `${W}/job-done/${worker}/${id}`, { body })).status).toBe(200);
}

/** Lets the history writes of the last requests land. */
const settled = () => t.context.history!.settle();

describe('GET /admin/endpoints/{id}/jobs', () => {
  it('lists newest first with summaries, filtered by status, in pages', async () => {
    const ok = await run('a');
    await done(await take(), { output: 'fine' });
    const bad = await run('b');
    await done(await take(), { error: 'x'.repeat(800) });
    const queued = await run('c');
    await settled();
    const all = await t.request('GET', `${A}/jobs`);
    expect(all.status).toBe(200);
    expect(all.json.jobs.map((j: { id: string }) => j.id)).toEqual([queued, bad, ok]);
    expect(all.json.nextCursor).toBeNull();
    const failed = await t.request('GET', `${A}/jobs?status=FAILED,TIMED_OUT`);
    expect(failed.json.jobs).toHaveLength(1);
    const summary = failed.json.jobs[0];
    expect(Object.keys(summary).sort()).toEqual(
      [
        'createdAt',
        'delayTime',
        'error',
        'executionTime',
        'finishedAt',
        'id',
        'retries',
        'startedAt',
        'status',
        'workerId',
      ].sort(),
    );
    expect(summary).toMatchObject({ id: bad, status: 'FAILED', workerId: 'w1', retries: 0 });
    expect(summary.error).toHaveLength(500);
    const first = await t.request('GET', `${A}/jobs?limit=2`);
    expect(first.json.jobs).toHaveLength(2);
    const second = await t.request('GET', `${A}/jobs?limit=2&cursor=${first.json.nextCursor as string}`);
    expect(second.json.jobs.map((j: { id: string }) => j.id)).toEqual([ok]);
    expect(second.json.nextCursor).toBeNull();
  });

  it('answers 400 with a clear message for bad parameters, 404 for an unknown endpoint', async () => {
    for (const [query, word] of [
      ['status=BROKEN', 'status'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['since=yesterday', 'since'],
      ['since=10&until=5', 'since'],
      ['cursor=nonsense', 'cursor'],
      ['limit=1&limit=2', 'limit'],
    ] as const) {
      const res = await t.request('GET', `${A}/jobs?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.code).toBe('ERR_REQUEST_INVALID_FIELD');
      expect(res.json.error).toContain(word);
    }
    expect((await t.request('GET', '/admin/endpoints/nope/jobs')).status).toBe(404);
  });
});

describe('GET /admin/endpoints/{id}/jobs/{jobId}', () => {
  it('is the whole record, still there after the public routes forget the job', async () => {
    const id = await run({ prompt: 'hi' });
    await take();
    await done(id, { status: 'IN_PROGRESS', output: { percent: 50 } });
    await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output: 'tok' } });
    await t.request('POST', `${W}/job-stream/w1/${id}`, { body: { output: 'tok' } });
    await done(id, { error: 'kaput' });
    await settled();
    const live = await t.request('GET', `${A}/jobs/${id}`);
    expect(live.status).toBe(200);
    expect(live.json).toMatchObject({
      live: true,
      input: { prompt: 'hi' },
      streamItems: 2,
      status: { status: 'FAILED' },
    });
    expect(live.json.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'created',
      'claimed',
      'progress',
      'finished',
    ]);
    expect(live.json.timeline[1].workerId).toBe('w1');

    // RunPod's retention ends: the public route forgets the job, history does not.
    await t.store.expire(Date.now() + 120_000);
    expect((await t.request('GET', `${W}/status/${id}`)).status).toBe(404);
    const gone = await t.request('GET', `${A}/jobs/${id}`);
    expect(gone.status).toBe(200);
    expect(gone.json).toMatchObject({
      live: false,
      input: { prompt: 'hi' },
      status: { id, status: 'FAILED', error: 'kaput' },
    });
    const listed = await t.request('GET', `${A}/jobs?status=FAILED`);
    expect(listed.json.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
    expect((await t.request('GET', `${A}/jobs/unknown`)).status).toBe(404);
  });
});

describe('log routes', () => {
  it('answers a job and a worker log as JSON', async () => {
    const id = await run();
    await take();
    const logs = t.context.logs!;
    logs.add('echo', { time: Date.now(), level: 'info', workerId: 'w1', message: 'booted' });
    logs.add('echo', { time: Date.now(), level: 'error', workerId: 'w1', jobId: id, message: 'job line' });
    await logs.flush();
    const job = await t.request('GET', `${A}/jobs/${id}/logs`);
    expect(job.json).toMatchObject({
      truncated: false,
      lines: [{ level: 'error', message: 'job line', workerId: 'w1', jobId: id }],
    });
    const worker = await t.request('GET', `${A}/workers/w1/logs`);
    expect(worker.json.lines.map((l: { message: string }) => l.message)).toEqual(['booted', 'job line']);
    expect((await t.request('GET', `${A}/jobs/never/logs`)).status).toBe(404);
  });

  it('follows a job log over SSE: old lines, new ones, then the end once the job ended', async () => {
    const id = await run();
    await take();
    const logs = t.context.logs!;
    logs.add('echo', { time: Date.now(), level: 'info', workerId: 'w1', jobId: id, message: 'first' });
    await logs.flush();
    const following = t.request('GET', `${A}/jobs/${id}/logs`, { headers: { accept: 'text/event-stream' } });
    logs.add('echo', { time: Date.now(), level: 'info', workerId: 'w1', jobId: id, message: 'second' });
    await logs.flush();
    await done(id, { output: 'ok' });
    const res = await following;
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.text.split('\n\n').filter((b) => b.startsWith('event:'));
    const lines = events
      .filter((b) => b.startsWith('event: line'))
      .map((b) => (JSON.parse(b.split('data: ')[1]!) as { message: string }).message);
    expect(lines).toEqual(['first', 'second']);
    expect(events.at(-1)).toMatch(/^event: end\ndata: \{"truncated":false\}/);
  });
});
