// Faults with real processes: nothing accepted is lost when the server or a worker dies (issue: guarantees).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@sluice/client';
import { describe, expect, it } from 'vitest';
import { eventually, http, removeDir, startServerProcess } from './support/server-process.js';

const WORKER = { command: 'node', args: ['test/e2e/fixtures/behaviour-worker.mjs'] };

describe('server killed with kill -9 while /run submissions are in flight', () => {
  it('keeps every job whose /run answered 200, and completes them after a restart', async () => {
    // Eight jobs at a time per worker: the 1,500 jobs are drained in seconds, which keeps the suite's time down.
    const worker = { ...WORKER, env: { CONCURRENCY: '8' } };
    const config = { server: { workerPollHoldMs: 2000 }, endpoints: { work: { workersMin: 0, worker } } };
    const first = await startServerProcess({ config });
    const accepted: string[] = [];
    let stop = false;
    // 8 concurrent submitters until the kill; anything answered 200 must survive.
    const submitters = Array.from({ length: 8 }, async () => {
      while (!stop) {
        try {
          const res = await fetch(`${first.baseUrl}/v2/work/run`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ input: { action: 'echo' } }),
          });
          if (res.status === 200) accepted.push(((await res.json()) as { id: string }).id);
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    });
    await eventually(() => Promise.resolve(accepted.length >= 1500 ? true : undefined), 30_000, '1500 accepted jobs');
    await first.kill();
    stop = true;
    await Promise.all(submitters);
    expect(accepted.length).toBeGreaterThanOrEqual(1500);

    const second = await startServerProcess({
      config: { ...config, endpoints: { work: { workersMin: 2, worker: { ...WORKER, env: { CONCURRENCY: '8' } } } } },
      dir: first.dir,
    });
    try {
      const work = createClient({ baseUrl: second.baseUrl }).endpoint('work');
      await eventually(
        async () => ((await work.health()).jobs.completed >= accepted.length ? true : undefined),
        90_000,
        'all jobs completed',
      );
      for (const id of accepted.slice(0, 50).concat(accepted.slice(-50))) {
        expect((await work.status(id)).status, id).toBe('COMPLETED');
      }
    } finally {
      await second.stop();
      removeDir(first.dir);
    }
  }, 150_000);
});

describe('worker killed with kill -9 mid-job', () => {
  it('requeues the job, and another worker completes it', async () => {
    const marks = mkdtempSync(join(tmpdir(), 'sluice-marks-'));
    const server = await startServerProcess({
      config: {
        server: { workerPollHoldMs: 2000, pingIntervalMs: 1000 },
        endpoints: { work: { workersMin: 1, worker: WORKER } },
      },
    });
    try {
      const work = createClient({ baseUrl: server.baseUrl }).endpoint('work');
      const { id } = await work.run({ action: 'sleep', ms: 3000 });
      const running = await eventually(async () => {
        const s = await work.status(id);
        return s.status === 'IN_PROGRESS' ? s : undefined;
      });
      // The worker's pid is in the server log line `worker started` for that worker id.
      const pid = new RegExp(`"workerId":"${running.workerId}"[^\\n]*"pid":(\\d+)`).exec(server.output())?.[1];
      expect(pid).toBeDefined();
      process.kill(Number(pid), 'SIGKILL');
      const done = await work.waitFor(id, { timeoutMs: 30_000 });
      expect(done).toMatchObject({ id, status: 'COMPLETED', retries: 1, output: { slept: 3000 } });
      expect(done.workerId).not.toBe(running.workerId);
      expect((await work.health()).jobs.retried).toBe(1);
    } finally {
      await server.stop();
      removeDir(server.dir);
      removeDir(marks);
    }
  }, 60_000);
});

describe('execution timeout', () => {
  it('times a running job out and stops its handler', async () => {
    const marks = mkdtempSync(join(tmpdir(), 'sluice-marks-'));
    const markFile = join(marks, 'stopped');
    const server = await startServerProcess({
      config: {
        server: { workerPollHoldMs: 2000, reaperIntervalMs: 200 },
        endpoints: { work: { workersMin: 1, worker: WORKER } },
      },
    });
    try {
      const work = createClient({ baseUrl: server.baseUrl }).endpoint('work');
      const { id } = await work.run({ action: 'sleep', ms: 20_000, markFile }, { policy: { executionTimeout: 5000 } });
      const done = await work.waitFor(id, { timeoutMs: 20_000 });
      expect(done).toMatchObject({ id, status: 'TIMED_OUT', error: 'execution timeout exceeded (5000 ms)' });
      await eventually(
        () => Promise.resolve(existsSync(markFile) ? true : undefined),
        10_000,
        'the handler to be stopped',
      );
      expect((await work.status(id)).status).toBe('TIMED_OUT');
    } finally {
      await server.stop();
      removeDir(server.dir);
      removeDir(marks);
    }
  }, 60_000);
});

describe('SIGTERM of the server', () => {
  it('answers held long-polls, exits 0, and loses no job', async () => {
    const config = { server: { workerPollHoldMs: 30_000 }, endpoints: { idle: {}, empty: {} } };
    const server = await startServerProcess({ config });
    const { id } = (await http('POST', `${server.baseUrl}/v2/idle/run`, { input: 1 })).json as { id: string };
    const started = Date.now();
    const heldSync = http('GET', `${server.baseUrl}/v2/idle/status-sync/${id}?wait=60000`);
    const heldStream = http('GET', `${server.baseUrl}/v2/idle/stream/${id}?wait=60000`);
    // An SSE stream of the same job: it ends at shutdown, on a connection the client would keep alive.
    const sse = await fetch(`${server.baseUrl}/v2/idle/stream/${id}`, { headers: { accept: 'text/event-stream' } });
    const sseText = sse.text();
    const heldTake = http('GET', `${server.baseUrl}/v2/empty/job-take/w-held?job_in_progress=0`);
    // The take, sent last, registers its worker when it starts holding: then all three are held.
    await eventually(async () => {
      const health = await http('GET', `${server.baseUrl}/v2/empty/health`);
      return health.json.workers.idle === 1 ? true : undefined;
    });
    const code = await server.stop();
    expect(code).toBe(0);
    const [take, sync, stream] = await Promise.all([heldTake, heldSync, heldStream]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect([204, 429]).toContain(take.status);
    expect(sync.json).toEqual({ id, status: 'IN_QUEUE' });
    expect(stream.json).toEqual({ id, status: 'IN_QUEUE', stream: [] });
    expect(await sseText).toContain('event: status');
    const again = await startServerProcess({ config, dir: server.dir });
    try {
      expect((await http('GET', `${again.baseUrl}/v2/idle/status/${id}`)).json.status).toBe('IN_QUEUE');
    } finally {
      await again.stop();
      removeDir(server.dir);
    }
  }, 60_000);
});
