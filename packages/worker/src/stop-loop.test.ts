// Integration: the job-stop channel (spec §6.6) against the fake worker API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWorkerApi } from './testing/fake-worker-api.js';
import { runWorker, type RunningWorker } from './testing/run-worker.js';

let api: FakeWorkerApi;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  api = await FakeWorkerApi.start();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await api.close();
});

describe('job-stop', () => {
  it('polls the job-take URL with /job-stop/, template query kept and nothing appended', async () => {
    worker = runWorker(api, { handler: () => 'ok' });
    const poll = await api.waitFor((r) => r.route === 'job-stop');
    expect(poll.workerId).toBe('w1');
    expect([...poll.query.keys()]).toEqual(['gpu']);
    expect(poll.headers['authorization']).toBe('worker-token');
  });

  it('aborts the job signal, posts no result for it, and frees its slot', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let reason: unknown;
    let handlerSawAbort!: () => void;
    const sawAbort = new Promise<void>((resolve) => (handlerSawAbort = resolve));
    worker = runWorker(api, {
      handler: async (job, ctx) => {
        if (job.id === 'j2') return 'second';
        await ctx.progress('working');
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        reason = ctx.signal.reason;
        handlerSawAbort();
        await ctx.progress('after stop'); // a no-op now
        return 'must not be posted';
      },
    });
    await api.waitFor((r) => r.route === 'job-done' && r.jobId === 'j1');
    api.stopJobs('j1');
    await sawAbort;
    expect((reason as DOMException).name).toBe('AbortError');
    // With concurrency 1, j2 can only be taken once j1 has given its slot back.
    api.enqueue({ id: 'j2', input: {} });
    await api.waitForResult('j2');
    expect(api.of('job-done', 'j1').map((r) => r.json)).toEqual([{ status: 'IN_PROGRESS', output: 'working' }]);
  });

  it('ends a ctx.sleep at once when the job is stopped', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let sleepEnded!: (error: unknown) => void;
    const ended = new Promise<unknown>((resolve) => (sleepEnded = resolve));
    worker = runWorker(api, {
      handler: async (job, ctx) => {
        if (job.id === 'j2') return 'second';
        await ctx.progress('sleeping');
        await ctx.sleep(600_000).catch((error: unknown) => {
          sleepEnded(error);
          throw error;
        });
        return 'must not be posted';
      },
    });
    await api.waitFor((r) => r.route === 'job-done' && r.jobId === 'j1');
    api.stopJobs('j1');
    expect(((await ended) as DOMException).name).toBe('AbortError');
    api.enqueue({ id: 'j2', input: {} });
    await api.waitForResult('j2');
    expect(api.of('job-done', 'j1').map((r) => r.json)).toEqual([{ status: 'IN_PROGRESS', output: 'sleeping' }]);
  });

  it('frees the slot even when the handler ignores its signal', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let finish!: (value: string) => void;
    worker = runWorker(api, {
      handler: (job) => (job.id === 'j1' ? new Promise<string>((resolve) => (finish = resolve)) : 'second'),
    });
    await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1');
    api.stopJobs('j1');
    api.enqueue({ id: 'j2', input: {} });
    await api.waitForResult('j2');
    finish('ignored the stop');
    await api.waitFor(() =>
      api.of('ping').some((r) => r.at > api.of('job-done', 'j2')[0]!.at && !r.query.has('job_id')),
    );
    expect(api.of('job-done', 'j1')).toHaveLength(0);
  });

  it('ignores ids of jobs not running here, then sleeps before polling again', async () => {
    worker = runWorker(api, { handler: () => 'ok' });
    await api.waitFor((r) => r.route === 'job-stop');
    api.stopJobs('unknown');
    await api.waitFor(() => api.of('job-stop').length >= 2);
    expect(worker.log.lines.some((l) => l.includes('unknown stop requested for a job not running here'))).toBe(true);
  });

  it('backs off when job-stop fails', async () => {
    api.stopStatus = 500;
    worker = runWorker(api, { handler: () => 'ok' });
    await api.waitFor(() => api.of('job-stop').length >= 4);
    const [a, , , d] = api.of('job-stop');
    // Delays of at least 20, 40 and 80 ms (half of each doubling base), less timer slack.
    expect(d!.at - a!.at).toBeGreaterThanOrEqual(120);
  });

  it('is disabled, with a warning, when the take template has no /job-take/', async () => {
    const env = api.env();
    env['RUNPOD_WEBHOOK_GET_JOB'] = `${api.baseUrl}/v2/ep/job-take-legacy/$ID?gpu=cpu`;
    worker = runWorker(api, { env, handler: () => 'ok' });
    await api.waitFor((r) => r.route === 'job-take-legacy');
    expect(api.of('job-stop')).toHaveLength(0);
    expect(worker.log.lines.some((l) => l.includes('job-stop is disabled'))).toBe(true);
  });
});
