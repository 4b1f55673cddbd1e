// Each time rule of the reaper, driven by fake timers over a real (in-memory SQLite) store.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config/load-config.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import type { SluiceStore } from '../store/sluice-store.js';
import { Dispatcher } from './dispatcher.js';
import { createJobContext, type JobContext } from './job-context.js';
import { JobService } from './job-service.js';
import { Reaper } from './reaper.js';
import { Wakeups } from './wakeups.js';
import { WorkerPosts } from './worker-posts.js';

const config = resolveConfig({ endpoints: { ep: { runRetention: 60_000, syncRetention: 60_000 } } });
let store: SluiceStore;
let ctx: JobContext;
let jobs: JobService;
let dispatcher: Dispatcher;
let reaper: Reaper;
const TICK = 1000;

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  store = openSqliteJobStore({ path: ':memory:' });
  ctx = createJobContext({
    store,
    wakeups: new Wakeups(),
    endpoint: (id) => config.endpoints[id],
    now: () => Date.now(),
    log: pino({ level: 'silent' }),
  });
  jobs = new JobService(ctx);
  dispatcher = new Dispatcher(ctx);
  reaper = startReaper();
});

function startReaper(): Reaper {
  const started = new Reaper(ctx, {
    intervalMs: TICK,
    workerLostAfterMs: 30_000,
    startedAt: Date.now(),
    maxReclaims: 1,
    endpointIds: () => ['ep'],
  });
  started.start();
  return started;
}

afterEach(async () => {
  await reaper.stop();
  await store.close();
  vi.useRealTimers();
});

async function submit(policy: { executionTimeout?: number; ttl?: number } = {}) {
  return (await jobs.submit('ep', { input: 1, policy }, { sync: false })).job.id;
}

async function claim(worker = 'w1') {
  const [job] = await dispatcher.take('ep', worker, 1, 0);
  return job!;
}

describe('reaper rules', () => {
  it('times out a running job after its executionTimeout and queues a job-stop', async () => {
    const id = await submit({ executionTimeout: 5000 });
    await claim();
    await vi.advanceTimersByTimeAsync(4000);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
    await vi.advanceTimersByTimeAsync(2000);
    const job = await store.get('ep', id);
    expect(job).toMatchObject({ status: 'TIMED_OUT', error: 'execution timeout exceeded (5000 ms)' });
    expect(await store.takeStops('ep', 'w1')).toEqual([id]);
  });

  it('times out a queued job at its ttl deadline', async () => {
    const id = await submit({ ttl: 10_000 });
    await vi.advanceTimersByTimeAsync(9000);
    expect((await store.get('ep', id))!.status).toBe('IN_QUEUE');
    await vi.advanceTimersByTimeAsync(2000);
    expect(await store.get('ep', id)).toMatchObject({ status: 'TIMED_OUT', error: 'ttl expired (10000 ms)' });
  });

  it('deletes a finished job when its retention ends', async () => {
    const id = await submit();
    await claim();
    await new WorkerPosts(ctx).done(
      {
        endpointId: 'ep',
        endpoint: config.endpoints['ep']!,
        workerId: 'w1',
        jobId: id,
        body: Buffer.from('{"output":1}'),
      },
      false,
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect((await store.get('ep', id))!.status).toBe('COMPLETED');
    await vi.advanceTimersByTimeAsync(2000);
    expect(await store.get('ep', id)).toBeUndefined();
  });

  it('deletes a finished job at a ttl deadline moved by status?ttl', async () => {
    const id = await submit();
    await jobs.cancel('ep', id);
    await jobs.setTtl('ep', id, 5000);
    await vi.advanceTimersByTimeAsync(6000);
    expect(await store.get('ep', id)).toBeUndefined();
  });

  it('requeues the jobs of a worker that stops pinging, then fails them past the reclaim budget', async () => {
    const id = await submit();
    await claim('w1');
    await store.recordWorker('ep', 'w1', { seen: true, ping: { jobIds: [id] } }, Date.now());
    await vi.advanceTimersByTimeAsync(29_000);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
    await vi.advanceTimersByTimeAsync(2000);
    expect(await store.get('ep', id)).toMatchObject({ status: 'IN_QUEUE', retries: 1 });
    expect((await store.counts('ep')).retried).toBe(1);

    await claim('w2');
    await store.recordWorker('ep', 'w2', { seen: true, ping: { jobIds: [id] } }, Date.now());
    await vi.advanceTimersByTimeAsync(31_000);
    expect(await store.get('ep', id)).toMatchObject({ status: 'FAILED', error: 'worker lost' });
  });

  it('keeps a worker that pinged again after being declared lost', async () => {
    await store.recordWorker('ep', 'w1', { seen: true, ping: { jobIds: [] } }, Date.now());
    await vi.advanceTimersByTimeAsync(40_000);
    expect((await store.getWorker('ep', 'w1'))!.unhealthy).toBeDefined();
    for (let i = 0; i < 70; i++) {
      await store.recordWorker('ep', 'w1', { seen: true, ping: { jobIds: [] } }, Date.now());
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(await store.getWorker('ep', 'w1')).toBeDefined();
  });

  it('gives every worker a full workerLostAfterMs from a restart to be heard', async () => {
    await reaper.stop();
    const id = await submit();
    const other = await submit();
    await claim('w1');
    await claim('w2');
    // Both pinged the previous server process, 35 s ago: longer than workerLostAfterMs, all of it downtime.
    for (const [worker, job] of [
      ['w1', id],
      ['w2', other],
    ] as const) {
      await store.recordWorker('ep', worker, { seen: true, ping: { jobIds: [job] } }, Date.now() - 35_000);
    }
    reaper = startReaper();
    await vi.advanceTimersByTimeAsync(10_000);
    await store.recordWorker('ep', 'w1', { seen: true, ping: { jobIds: [id] } }, Date.now());
    await vi.advanceTimersByTimeAsync(19_000);
    expect((await store.get('ep', other))!.status).toBe('IN_PROGRESS');
    await vi.advanceTimersByTimeAsync(2000);
    expect(await store.get('ep', other)).toMatchObject({ status: 'IN_QUEUE', retries: 1 });
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
  });

  it('leaves the jobs of a silent worker that never pinged to executionTimeout', async () => {
    const id = await submit();
    await claim('w1');
    await vi.advanceTimersByTimeAsync(120_000);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
  });
});
