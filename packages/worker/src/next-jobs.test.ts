// `next=N` on result posts (SLUICE_JOB_DONE_NEXT): a worker asks for as many next jobs as it has free slots, runs
// the ones it gets without a job-take, treats them as taken ones, and takes again when none come.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobContext } from './handler.js';
import { FakeWorkerApi, type RecordedRequest } from './testing/fake-worker-api.js';
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

const NEXT = { SLUICE_JOB_DONE_NEXT: 'true' };
const BATCH = (api: FakeWorkerApi) => ({
  SLUICE_WEBHOOK_POST_OUTPUT_BATCH: `${api.baseUrl}/v2/ep/job-done-batch/$RUNPOD_POD_ID?gpu=cpu`,
});

const jobs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `j${i + 1}`, input: i + 1 }));
const takes = (): RecordedRequest[] => api.requests.filter((r) => r.route.startsWith('job-take'));
const handedByTakes = (): string[] => takes().flatMap((r) => r.handedOut ?? []);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('next jobs in result answers', () => {
  it('runs the jobs a result answer carries without a job-take, and takes again when none come', async () => {
    api.enqueue(...jobs(3));
    worker = runWorker<number>({ env: () => api.env('w1', NEXT) }, { handler: (job) => job.input * 10 });
    await Promise.all(['j1', 'j2', 'j3'].map((id) => api.waitForResult(id)));
    expect(handedByTakes()).toEqual(['j1']);
    const results = ['j1', 'j2', 'j3'].map((id) => api.of('job-done', id)[0]!);
    expect(results.map((r) => r.query.get('next'))).toEqual(['1', '1', '1']);
    expect(results.map((r) => r.handedOut)).toEqual([['j2'], ['j3'], []]);
    expect(results.map((r) => r.json)).toEqual([{ output: 10 }, { output: 20 }, { output: 30 }]);
    // Nothing came with the last result: the worker went back to job-take, which gets a job queued later.
    api.enqueue({ id: 'j4', input: 4 });
    await api.waitForResult('j4');
    expect(handedByTakes()).toEqual(['j1', 'j4']);
  });

  it('never asks without SLUICE_JOB_DONE_NEXT (RunPod, or a worker started by hand)', async () => {
    api.enqueue(...jobs(2));
    worker = runWorker(api, { handler: () => 'ok' });
    await Promise.all(['j1', 'j2'].map((id) => api.waitForResult(id)));
    expect(api.of('job-done').every((r) => !r.query.has('next'))).toBe(true);
    expect(handedByTakes()).toEqual(['j1', 'j2']);
  });

  it('asks for the free slots only, so running jobs never exceed the concurrency (results batched)', async () => {
    api.enqueue(...jobs(24));
    let running = 0;
    let most = 0;
    worker = runWorker<number>(
      { env: () => api.env('w1', { ...NEXT, ...BATCH(api) }) },
      {
        concurrency: 4,
        handler: async (job) => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
          return job.input;
        },
      },
    );
    const ids = jobs(24).map((j) => j.id);
    await api.waitFor(() => ids.every((id) => api.of('job-done', id).length + batched(id) > 0));
    expect(most).toBeLessThanOrEqual(4);
    const posts = api.requests.filter((r) => r.route === 'job-done' || r.route === 'job-done-batch');
    for (const post of posts) expect(Number(post.query.get('next') ?? '0')).toBeLessThanOrEqual(4);
    // Most jobs came with results rather than from takes.
    expect(handedByTakes().length).toBeLessThan(12);
  });

  it('treats a job it got in next as taken: pings list it and job-stop reaches it', async () => {
    api.enqueue(...jobs(2));
    const released = deferred();
    let stoppedSignal: AbortSignal | undefined;
    worker = runWorker<number>(
      { env: () => api.env('w1', NEXT) },
      {
        handler: async (job, ctx: JobContext) => {
          if (job.id === 'j1') return 'first';
          stoppedSignal = ctx.signal;
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          released.resolve();
          return 'never posted';
        },
      },
    );
    await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j2');
    expect(handedByTakes()).toEqual(['j1']);
    api.stopJobs('j2');
    await released.promise;
    expect(stoppedSignal?.aborted).toBe(true);
    await api.waitFor((r) => r.route === 'ping' && !r.query.has('job_id') && r.at > api.of('job-stop').at(-1)!.at);
    expect(api.of('job-done', 'j2')).toHaveLength(0);
  });
});

/** Whether a job-done-batch post carried `id`'s result. */
function batched(id: string): number {
  return api
    .of('job-done-batch')
    .filter((r) => Array.isArray(r.json) && (r.json as Array<{ id: string }>).some((item) => item.id === id)).length;
}
