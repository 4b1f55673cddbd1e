// Integration: the take loop against the fake worker API: batching, backoff, draining on shutdown.
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

/** A promise plus its resolver, to hold handlers until the test lets them go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('concurrency', () => {
  it('asks job-take-batch for every free slot and runs the jobs at once', async () => {
    api.enqueue({ id: 'j1', input: 1 }, { id: 'j2', input: 2 }, { id: 'j3', input: 3 });
    const started: string[] = [];
    const allStarted = gate();
    worker = runWorker<number>(api, {
      concurrency: 3,
      handler: async (job) => {
        started.push(job.id);
        if (started.length === 3) allStarted.open();
        await allStarted.promise; // only resolves if all three run concurrently
        return job.input * 10;
      },
    });
    await Promise.all(['j1', 'j2', 'j3'].map((id) => api.waitForResult(id)));
    const take = api.requests[api.requests.findIndex((r) => r.route.startsWith('job-take'))]!;
    expect(take.route).toBe('job-take-batch');
    expect(take.query.get('batch_size')).toBe('3');
    expect(take.query.get('job_in_progress')).toBe('0');
    expect(api.of('job-done', 'j2')[0]!.json).toEqual({ output: 20 });
  });

  it('uses job-take for the last free slot and reports job_in_progress=1', async () => {
    api.enqueue({ id: 'j1', input: {} });
    const hold = gate();
    worker = runWorker(api, { concurrency: 2, handler: () => hold.promise.then(() => 'ok') });
    const single = await api.waitFor((r) => r.route === 'job-take');
    expect(single.query.get('job_in_progress')).toBe('1');
    expect(api.of('job-take-batch')[0]!.query.get('batch_size')).toBe('2');
    hold.open();
    await api.waitForResult('j1');
  });

  it('asks a concurrency function before each take, like concurrency_modifier', async () => {
    const seen: number[] = [];
    worker = runWorker(api, {
      concurrency: (current) => {
        seen.push(current);
        return 4;
      },
      handler: () => 'ok',
    });
    const take = await api.waitFor((r) => r.route === 'job-take-batch');
    expect(take.query.get('batch_size')).toBe('4');
    await api.waitFor(() => api.of('job-take-batch').length === 2);
    expect(seen.slice(0, 2)).toEqual([1, 4]);
  });

  it('does not poll while every slot is busy', async () => {
    api.enqueue({ id: 'j1', input: {} });
    const hold = gate();
    worker = runWorker(api, { handler: () => hold.promise.then(() => 'ok') });
    await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1');
    const takes = api.of('job-take').length;
    // Several ping periods pass with the slot busy: no new take.
    await api.waitFor(() => api.of('ping').filter((r) => r.query.get('job_id') === 'j1').length >= 4);
    expect(api.of('job-take')).toHaveLength(takes);
    hold.open();
    await api.waitForResult('j1');
    await api.waitFor(
      (r) => r.route === 'job-take' && r.query.get('job_in_progress') === '0' && api.of('job-take').length > takes,
    );
  });
});

describe('answers that are not jobs', () => {
  it('re-polls at once after a held 204', async () => {
    api.holdMs = 60;
    // With a backoff this long, a worker that backed off after a 204 would never reach its third poll in time.
    worker = runWorker(api, { handler: () => 'ok', timings: { backoffInitialMs: 600_000 } });
    await api.waitFor(() => api.of('job-take').length >= 3);
    const [a, b, c] = api.of('job-take');
    for (const gap of [b!.at - a!.at, c!.at - b!.at]) expect(gap).toBeGreaterThanOrEqual(55);
  });

  it('backs off exponentially on 500 instead of hot-looping, then recovers', async () => {
    api.takeStatus = 500;
    const t0 = performance.now();
    worker = runWorker(api, { handler: () => 'ok' });
    await api.waitFor(() => api.of('job-take').length >= 5);
    // Backoff 40 → 80 → 160 → 160 (capped) ms, each at least half: ≥ 20 + 40 + 80 + 80 (less timer slack).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    const window = performance.now();
    await api.waitFor((r) => r.route === 'job-take' && r.at - window > 300);
    const inWindow = api.of('job-take').filter((r) => r.at >= window).length;
    expect(inWindow).toBeLessThanOrEqual(5); // a hot loop would make hundreds
    expect(worker.log.lines.some((l) => l.includes('job-take answered HTTP 500'))).toBe(true);
    api.takeStatus = undefined;
    api.enqueue({ id: 'j1', input: {} });
    await api.waitForResult('j1');
  });

  it('backs off on a non-JSON 200 and on an instant 204', async () => {
    api.takeStatus = 200;
    api.takeBody = '<html>';
    worker = runWorker(api, { handler: () => 'ok' });
    await api.waitFor(() => api.of('job-take').length >= 3);
    const [a, b, c] = api.of('job-take');
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(15);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(35);
    api.takeStatus = undefined;
    api.holdMs = 0; // a server that does not hold
    const since = api.of('job-take').length;
    await api.waitFor(() => api.of('job-take').length >= since + 4);
    const gaps = api
      .of('job-take')
      .slice(since)
      .map((r, i, all) => (i === 0 ? 0 : r.at - all[i - 1]!.at))
      .slice(1);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(15);
  });

  it('sleeps after 429', async () => {
    api.takeStatus = 429;
    worker = runWorker(api, { handler: () => 'ok' });
    await api.waitFor(() => api.of('job-take').length >= 2);
    const [a, b] = api.of('job-take');
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(290);
  });

  it('skips job objects without id or input', async () => {
    api.enqueue({ id: 'j1', input: {} });
    api.enqueue({ id: 'bad' } as never);
    worker = runWorker(api, { concurrency: 2, handler: () => 'ok' });
    await api.waitForResult('j1');
    expect(worker.log.lines.some((l) => l.includes('without id or input'))).toBe(true);
    expect(api.of('job-done', 'bad')).toHaveLength(0);
  });
});

describe('shutdown', () => {
  it('stops taking at once, drains the job in flight, posts its result, then resolves', async () => {
    api.holdMs = 600_000; // a take held far beyond the test's timeout: shutdown must cut it short
    api.enqueue({ id: 'j1', input: {} });
    const hold = gate();
    let signalAborted: boolean | undefined;
    worker = runWorker(api, {
      concurrency: 2,
      handler: async (_job, ctx) => {
        await hold.promise;
        signalAborted = ctx.signal.aborted;
        return 'drained';
      },
    });
    await api.waitFor((r) => r.route === 'job-take' && r.query.get('job_in_progress') === '1');
    const stopping = worker.stop();
    let resolved = false;
    void stopping.then(() => (resolved = true));
    const takesAtStop = api.of('job-take').length + api.of('job-take-batch').length;
    await api.waitFor(() => api.of('ping').length >= 2); // time passes; the worker waits for the job
    expect(resolved).toBe(false);
    hold.open();
    await stopping; // resolving at all: the held take did not keep it
    worker = undefined;
    expect(signalAborted).toBe(false);
    expect(api.of('job-done', 'j1').map((r) => r.json)).toEqual([{ output: 'drained' }]);
    expect(api.of('job-take').length + api.of('job-take-batch').length).toBe(takesAtStop);
  });

  it('after the grace, aborts the job signal, posts nothing and resolves', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let reason: unknown;
    const w = runWorker(api, {
      shutdownGraceMs: 100,
      handler: (_job, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            reason = ctx.signal.reason;
            resolve('too late');
          });
        }),
    });
    await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1');
    await w.stop();
    expect((reason as DOMException).name).toBe('AbortError');
    expect(api.of('job-done')).toHaveLength(0);
    expect(w.log.lines.some((l) => l.includes('abandoning job(s) j1'))).toBe(true);
  });

  it('drains on SIGTERM, and a second signal abandons the job at once', async () => {
    api.enqueue({ id: 'j1', input: {} });
    const w = runWorker(api, {
      installSignalHandlers: true,
      shutdownGraceMs: 30_000,
      handler: (_job, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('x'))),
    });
    await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1');
    expect(process.listenerCount('SIGTERM')).toBe(1);
    process.emit('SIGTERM');
    await api.waitFor(() => api.of('ping').filter((r) => r.query.get('job_id') === 'j1').length >= 3);
    process.emit('SIGINT');
    await w.done;
    expect(api.of('job-done')).toHaveLength(0);
    expect(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT')).toBe(0);
  });

  it('takes two signals within the window as one stop: the job drains and posts its result', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let release: () => void = () => undefined;
    const w = runWorker(api, {
      installSignalHandlers: true,
      timings: { sameStopWindowMs: 60_000 },
      handler: () => new Promise((resolve) => (release = () => resolve('drained'))),
    });
    await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1');
    process.emit('SIGINT'); // Ctrl-C reaches the whole process group ...
    process.emit('SIGTERM'); // ... and the launcher sends its own SIGTERM right after
    release();
    await w.done;
    expect(api.of('job-done').map((r) => JSON.parse(r.body) as unknown)).toEqual([{ output: 'drained' }]);
  });

  it('stops at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const w = runWorker(api, { handler: () => 'ok', signal: controller.signal });
    await w.stop();
    expect(api.of('job-take')).toHaveLength(0);
  });
});
