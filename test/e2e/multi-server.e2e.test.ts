// Two real `sluice serve` processes sharing one Redis prefix (the scale-out topology of docs/deploy.md):
// wake-ups cross servers at once (well under the hold), clients on A follow jobs run by workers on B, a
// cancel on A stops B's worker, and kill -9 of A loses no accepted job. Keys are deleted afterwards.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type EndpointClient } from '@sluice/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deletePrefix } from '../../packages/server/src/store/redis/delete-prefix.js';
import { describeWithRedis } from '../support/redis.js';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const PREFIX = `sluice-e2e-${randomUUID().slice(0, 8)}`;
/** Long enough that anything answered well under it was woken, not timed out. */
const HOLD_MS = 20_000;
const WORKER = {
  command: 'node',
  args: ['test/e2e/fixtures/behaviour-worker.mjs'],
  env: { CONCURRENCY: '4' },
};

const serverConfig = (redisUrl: string, endpoints: Record<string, unknown>) => ({
  server: { workerPollHoldMs: HOLD_MS, pingIntervalMs: 1000, reaperIntervalMs: 250 },
  store: { kind: 'redis', url: redisUrl, prefix: PREFIX },
  // `probe` has no launched worker: the test plays one over HTTP on B.
  endpoints: { probe: {}, ...endpoints },
});

describeWithRedis('two servers on one Redis', (redisUrl) => {
  let a: ServerProcess;
  let b: ServerProcess;
  let workOnA: EndpointClient;
  let workOnB: EndpointClient;
  const marks = mkdtempSync(join(tmpdir(), 'sluice-marks-'));

  beforeAll(async () => {
    // A has no workers; B launches the only worker process, which long-polls B alone.
    [a, b] = await Promise.all([
      startServerProcess({ config: serverConfig(redisUrl, { work: {} }) }),
      startServerProcess({
        config: serverConfig(redisUrl, { work: { workersMin: 1, workersMax: 1, worker: WORKER } }),
      }),
    ]);
    workOnA = createClient({ baseUrl: a.baseUrl }).endpoint('work');
    workOnB = createClient({ baseUrl: b.baseUrl }).endpoint('work');
    // The worker is up once it has completed a job.
    expect(await workOnB.runSync({ action: 'echo' }, { wait: HOLD_MS })).toMatchObject({ status: 'COMPLETED' });
  });

  afterAll(async () => {
    await Promise.all([a?.kill(), b?.stop()]);
    for (const server of [a, b]) if (server) removeDir(server.dir);
    removeDir(marks);
    await deletePrefix(redisUrl, PREFIX);
  });

  it('hands a job submitted to A to a worker long-polling on B at once', async () => {
    const take = http('GET', `${b.baseUrl}/v2/probe/job-take/probe-worker?gpu=cpu&job_in_progress=0`);
    // A sees the parked worker through the shared store as soon as B has recorded its take.
    const probeOnA = createClient({ baseUrl: a.baseUrl }).endpoint('probe');
    await eventually(async () => ((await probeOnA.health()).workers.idle >= 1 ? true : undefined), 10_000, 'take');
    const submitted = Date.now();
    const { id } = await probeOnA.run({ hello: 'B' });
    const answer = await take;
    const elapsed = Date.now() - submitted;
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ id, input: { hello: 'B' } });
    expect(elapsed).toBeLessThan(1000);
    await http('POST', `${b.baseUrl}/v2/probe/job-done/probe-worker/${id}?gpu=cpu&isStream=false`, { output: 1 });
  });

  it('answers runsync and status-sync on A when B posts the result', async () => {
    let started = Date.now();
    const sync = await workOnA.runSync({ action: 'sleep', ms: 300 }, { wait: HOLD_MS });
    expect(sync).toMatchObject({ status: 'COMPLETED', output: { slept: 300 } });
    expect(Date.now() - started).toBeLessThan(5000);

    const { id } = await workOnA.run({ action: 'sleep', ms: 300 });
    started = Date.now();
    const done = await workOnA.statusSync(id, { wait: HOLD_MS });
    expect(done).toMatchObject({ id, status: 'COMPLETED', output: { slept: 300 } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('streams on A the chunks B receives, as they arrive', async () => {
    const items = ['one', 'two', 'three'];
    const { id } = await workOnA.run({ action: 'stream', items, ms: 400 });
    const first = await workOnA.pollStream(id, { wait: HOLD_MS });
    expect(first.status).toBe('IN_PROGRESS');
    expect(first.stream.length).toBeGreaterThanOrEqual(1);
    const seen = [...first.stream];
    for (let poll = first; poll.status === 'IN_PROGRESS' || poll.stream.length > 0;) {
      poll = await workOnA.pollStream(id, { wait: HOLD_MS });
      seen.push(...poll.stream);
    }
    expect(seen).toEqual(items.map((output) => ({ output })));
  });

  it('stops B’s worker when A cancels the job it is running', async () => {
    const markFile = join(marks, 'cancelled');
    const { id } = await workOnA.run({ action: 'sleep', ms: 15_000, markFile });
    await eventually(async () => ((await workOnA.status(id)).status === 'IN_PROGRESS' ? true : undefined));
    const cancelled = Date.now();
    expect(await workOnA.cancel(id)).toMatchObject({ id, status: 'CANCELLED' });
    // The handler sees its abort signal only after B answered the worker's job-stop poll.
    await eventually(() => Promise.resolve(existsSync(markFile) ? true : undefined), 5000, 'the handler to stop');
    expect(readFileSync(markFile, 'utf8')).toBe('aborted');
    // Far under the hold: B's parked job-stop poll was woken by A's signal, not by its hold ending.
    expect(Date.now() - cancelled).toBeLessThan(1000);
    expect((await workOnB.status(id)).status).toBe('CANCELLED');
  });

  it('loses no accepted job when A is killed with kill -9 under load', async () => {
    const accepted: string[] = [];
    let stop = false;
    // Two submitters per server until A dies; everything answered 200 must complete.
    const submitters = [a, a, b, b].map(async (server) => {
      while (!stop) {
        try {
          const res = await fetch(`${server.baseUrl}/v2/work/run`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ input: { action: 'sleep', ms: 5 } }),
          });
          if (res.status === 200) accepted.push(((await res.json()) as { id: string }).id);
        } catch {
          return; // A is gone
        }
      }
    });
    await eventually(() => Promise.resolve(accepted.length >= 200 ? true : undefined), 15_000, '200 accepted');
    await a.kill();
    stop = true;
    await Promise.all(submitters);
    const done = await eventually(
      async () => {
        const health = await workOnB.health();
        return health.jobs.inQueue + health.jobs.inProgress === 0 ? health : undefined;
      },
      20_000,
      'every job done',
    );
    expect(done.jobs.failed).toBe(0);
    for (const id of accepted) expect((await workOnB.status(id)).status, id).toBe('COMPLETED');
  });
});
