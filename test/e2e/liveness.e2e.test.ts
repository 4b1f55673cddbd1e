// Liveness across server restarts, with real server processes and workers speaking the protocol as
// runpod-python 1.12 does (pings from a separate process, retried result posts): spec §6.8, ADR 7.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { deletePrefix } from '../../packages/server/src/store/redis/delete-prefix.js';
import { requireRedis } from '../support/redis.js';
import { startRunpodWorker, type RunpodWorker } from './support/runpod-worker-process.js';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const WORKER_KEY = 'worker-token-0123456789';
const CLIENT_KEY = 'client-key-0123456789';
const client = { authorization: `Bearer ${CLIENT_KEY}` };
const PING_MS = 1000;
/** The Redis the run provides (test/support/redis.ts); without one the Redis rows are skipped and named. */
const REDIS_URL = requireRedis('liveness across restarts on Redis');

let server: ServerProcess | undefined;
let worker: RunpodWorker | undefined;
let redisPrefix: string | undefined;
afterEach(async () => {
  await worker?.kill();
  await server?.kill();
  if (server) removeDir(server.dir);
  if (redisPrefix && REDIS_URL) await deletePrefix(REDIS_URL, redisPrefix);
  server = worker = redisPrefix = undefined;
});

/** The store of one test: the server's default SQLite file, or a fresh prefix on the shared Redis. */
function storeFor(kind: 'sqlite' | 'redis'): Record<string, unknown> {
  if (kind === 'sqlite' || REDIS_URL === undefined) return {};
  redisPrefix = `sluice-e2e-liveness-${randomUUID()}`;
  return { store: { kind: 'redis', url: REDIS_URL, prefix: redisPrefix } };
}

/** A port free now, so a restarted server can listen where its workers already send. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function configFor(port: number, server: Record<string, unknown> = {}) {
  return {
    server: { port, pingIntervalMs: PING_MS, workerLostAfterMs: 3000, workerPollHoldMs: 2000, ...server },
    auth: {
      keys: [
        { name: 'app', key: CLIENT_KEY },
        { name: 'box', key: WORKER_KEY, kind: 'worker', endpoints: ['echo'] },
      ],
    },
    endpoints: { echo: {} },
  };
}

async function submit(base: string, input: unknown): Promise<string> {
  return (await http('POST', `${base}/v2/echo/run`, { input }, client)).json.id as string;
}

async function finalStatus(base: string, id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const job = (await http('GET', `${base}/v2/echo/status/${id}`, undefined, client)).json as Record<string, unknown>;
    return ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'].includes(job['status'] as string) ? job : undefined;
  }, 20_000);
}

const times = (lines: string[], line: string) => lines.filter((l) => l === line).length;

describe('a server restart under runpod-python workers', () => {
  it.each(REDIS_URL === undefined ? (['sqlite'] as const) : (['sqlite', 'redis'] as const))(
    'fails a job whose result post failed for good while the server was down, and never runs it again (%s)',
    async (kind) => {
      const port = await freePort();
      const config = { ...configFor(port), ...storeFor(kind) };
      server = await startServerProcess({ config });
      const base = server.baseUrl;
      worker = startRunpodWorker({
        baseUrl: base,
        endpointId: 'echo',
        workerId: 'pod-1',
        token: WORKER_KEY,
        pingIntervalMs: PING_MS,
      });
      const id = await submit(base, { ms: 3000 });
      await worker.waitFor(new RegExp(`^took ${id}$`));
      // The server heard pings listing the job...
      await eventually(() =>
        Promise.resolve(worker!.lines().filter((l) => l === `pinged ${id}`).length >= 2 ? true : undefined),
      );
      await server.stop();
      // ...then was down while the worker's three result attempts failed.
      await worker.waitFor(new RegExp(`^post dropped ${id}$`));
      server = await startServerProcess({ config, dir: server.dir });

      const job = await finalStatus(base, id);
      expect(job).toMatchObject({ status: 'FAILED', error: 'worker dropped the job without reporting a result' });
      expect(job['retries'] ?? 0).toBe(0);
      expect(times(worker.lines(), `took ${id}`)).toBe(1);
    },
  );

  it('lets a worker that kept pinging keep its job when the server was down longer than workerLostAfterMs', async () => {
    const port = await freePort();
    // The first reaper pass comes long before the worker's next ping can, as with the defaults (1 s and 10 s).
    const pingMs = 2000;
    const config = configFor(port, { pingIntervalMs: pingMs, workerLostAfterMs: 4000, reaperIntervalMs: 100 });
    server = await startServerProcess({ config });
    const base = server.baseUrl;
    worker = startRunpodWorker({
      baseUrl: base,
      endpointId: 'echo',
      workerId: 'pod-2',
      token: WORKER_KEY,
      pingIntervalMs: pingMs,
    });
    const id = await submit(base, { ms: 12_000, output: 'done' });
    await worker.waitFor(new RegExp(`^pinged ${id}$`));
    await server.stop();
    // The outage itself, longer than workerLostAfterMs; the worker pings into it all along.
    await delay(5000);
    server = await startServerProcess({ config, dir: server.dir });

    const job = await finalStatus(base, id);
    expect(job).toMatchObject({ status: 'COMPLETED', output: 'done' });
    expect(job.retries ?? 0).toBe(0);
    expect(times(worker.lines(), `took ${id}`)).toBe(1);
  });
});

describe('workers as runpod-python runs them', () => {
  it('refuses a job-take template with $RUNPOD_POD_ID left in it, logs it once and leases nothing', async () => {
    server = await startServerProcess({ config: configFor(0) });
    const base = server.baseUrl;
    const id = await submit(base, { output: 1 });
    worker = startRunpodWorker({
      baseUrl: base,
      endpointId: 'echo',
      workerId: 'pod-3',
      token: WORKER_KEY,
      pingIntervalMs: PING_MS,
      // A form some RunPod samples use; runpod-python substitutes only $ID here (spec §7.2).
      getJobTemplate: `${base}/v2/echo/job-take/$RUNPOD_POD_ID?gpu=cpu`,
    });
    await eventually(() =>
      Promise.resolve(worker!.lines().filter((l) => l === 'take refused 400').length >= 2 ? true : undefined),
    );
    expect((await http('GET', `${base}/v2/echo/status/${id}`, undefined, client)).json.status).toBe('IN_QUEUE');
    const warnings = server
      .output()
      .split('\n')
      .filter((l) => l.includes('template variable that was not substituted'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('$RUNPOD_POD_ID');
  });

  it('stops a job cancelled before its handler started at the first ping that lists it', async () => {
    const pingMs = 2000;
    server = await startServerProcess({
      config: { ...configFor(0), server: { pingIntervalMs: pingMs, workerPollHoldMs: 5000 } },
    });
    const base = server.baseUrl;
    worker = startRunpodWorker({
      baseUrl: base,
      endpointId: 'echo',
      workerId: 'pod-4',
      token: WORKER_KEY,
      pingIntervalMs: pingMs,
    });
    // Right after a ping, so the next one comes almost a whole interval after the cancel.
    await worker.waitFor(/^pinged -$/);
    const id = await submit(base, { ms: 30_000, startDelayMs: 300 });
    await worker.waitFor(new RegExp(`^took ${id}$`));
    await http('POST', `${base}/v2/echo/cancel/${id}`, undefined, client);
    // runpod-python ignores a stop that arrives before the handler started...
    await worker.waitFor(new RegExp(`^stop ignored ${id}$`));
    // ...so the stop goes out again once a ping shows the worker still runs the job.
    expect(await worker.waitFor(new RegExp(`^cancelled ${id}`))).toBe(`cancelled ${id} after 1 pings`);
  });
});
