// The worker fleet with real processes: autoscaling between workersMin and workersMax and down to zero,
// REQUEST_COUNT, lowPriority jobs, crash loops, GPU placement and stopPod replacement (docs/scaling.md).
import { createClient, type EndpointClient, type StatusObject } from '@sluice/client';
import { describe, it } from 'vitest';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const WORKER = { command: 'node', args: ['test/e2e/fixtures/fleet-worker.mjs'] };
const SERVER = { workerPollHoldMs: 2000, pingIntervalMs: 1000 };

interface AdminWorker {
  workerId: string;
  pid?: number;
  state: string;
  gpus: number[];
  label?: string;
  managed: boolean;
}
interface AdminWorkers {
  target: number;
  throttled: number;
  crashLoop: boolean;
  quickExits: number;
  restartAt?: number;
  lastExit?: { stderrTail: string[]; code: number | null };
  workers: AdminWorker[];
}
interface AdminEndpoint {
  id: string;
  scaler: {
    state: string;
    target: number;
    lastTickAt?: number;
    decisions: { from: number; to: number; reason: string }[];
  };
}

/** Starts a server for one test and stops it (and every worker it launched) when the test ends. */
async function start(
  onTestFinished: (fn: () => Promise<void>) => void,
  endpoints: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<ServerProcess> {
  const server = await startServerProcess({ config: { server: { ...SERVER, ...extra }, endpoints } });
  onTestFinished(async () => {
    await server.stop();
    removeDir(server.dir);
  });
  return server;
}

async function workers(s: ServerProcess, endpointId: string): Promise<AdminWorkers> {
  return (await http('GET', `${s.baseUrl}/admin/endpoints/${endpointId}/workers`)).json as AdminWorkers;
}

async function scaler(s: ServerProcess, endpointId: string): Promise<AdminEndpoint['scaler']> {
  return ((await http('GET', `${s.baseUrl}/admin/endpoints/${endpointId}`)).json as AdminEndpoint).scaler;
}

/** Launched processes that count toward the target (not draining or stopping). */
async function active(s: ServerProcess, endpointId: string): Promise<AdminWorker[]> {
  return (await workers(s, endpointId)).workers.filter(
    (w) => w.managed && ['starting', 'idle', 'running'].includes(w.state),
  );
}

/** `worker started` lines the server logged for the endpoint: every process it ever launched. */
function spawns(s: ServerProcess, endpointId: string): number {
  return s
    .output()
    .split('\n')
    .filter((l) => l.includes(`"endpointId":"${endpointId}"`) && l.includes('"msg":"worker started"')).length;
}

/** Calls `sample` every 150 ms until `done` settles; returns the largest sample (or `done`'s failure). */
async function maxWhile(sample: () => Promise<number>, done: Promise<unknown>): Promise<number> {
  let finished = false;
  const settled = done.then(
    () => (finished = true),
    () => (finished = true),
  );
  let max = 0;
  while (!finished) {
    max = Math.max(max, await sample());
    await new Promise((r) => setTimeout(r, 150));
  }
  await settled;
  await done;
  return max;
}

async function runAll(ep: EndpointClient, inputs: unknown[], options = {}): Promise<StatusObject[]> {
  const ids = await Promise.all(inputs.map(async (input) => (await ep.run(input as never, options)).id));
  return Promise.all(ids.map((id) => ep.waitFor(id, { timeoutMs: 40_000 })));
}

describe('autoscaling under load', () => {
  it('QUEUE_DELAY: a burst scales 0 → 4, and back to 0 after idleTimeout', async ({ expect, onTestFinished }) => {
    const s = await start(onTestFinished, {
      burst: {
        workersMin: 0,
        workersMax: 4,
        scalerType: 'QUEUE_DELAY',
        scalerValue: 1,
        idleTimeout: 2,
        worker: WORKER,
      },
    });
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('burst');
    expect(await active(s, 'burst')).toEqual([]);
    const finished = runAll(
      ep,
      Array.from({ length: 16 }, () => ({ ms: 1500 })),
    );
    const peak = await maxWhile(async () => (await active(s, 'burst')).length, finished);
    expect((await finished).every((job) => job.status === 'COMPLETED')).toBe(true);
    expect(peak).toBe(4);
    expect(spawns(s, 'burst')).toBe(4);
    await eventually(async () => ((await workers(s, 'burst')).workers.length === 0 ? true : undefined), 10_000, 'zero');
    const { decisions, state, target } = await scaler(s, 'burst');
    expect({ state, target }).toEqual({ state: 'zero', target: 0 });
    expect(decisions[0]?.reason).toMatch(/cold start/);
    expect(decisions.some((d) => /oldest job waited/.test(d.reason))).toBe(true);
    expect(decisions.at(-1)?.reason).toMatch(/idle for 2 s \(idleTimeout\)/);
    expect((await ep.health()).workers).toMatchObject({ idle: 0, running: 0, initializing: 0, unhealthy: 0 });
  }, 30_000);

  it('REQUEST_COUNT: runs ceil((queued + running) / scalerValue) workers', async ({ expect, onTestFinished }) => {
    const s = await start(onTestFinished, {
      counted: { workersMin: 0, workersMax: 4, scalerType: 'REQUEST_COUNT', scalerValue: 3, worker: WORKER },
    });
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('counted');
    for (let i = 0; i < 6; i++) await ep.run({ ms: 3000 });
    const two = eventually(async () => ((await ep.health()).workers.running === 2 ? true : undefined), 10_000, '2');
    expect(await maxWhile(async () => (await active(s, 'counted')).length, two)).toBe(2);
    // The first /run ticks the autoscaler at once (the endpoint had no worker), so the first decision may have
    // seen fewer than the 6 jobs; the formula reaches 2 workers by the time they run.
    const { decisions } = await scaler(s, 'counted');
    expect(decisions[0]?.reason).toMatch(/^ceil\(\([1-6] queued \+ 0 running\) \/ 3\) = [12]$/);
    expect(decisions.at(-1)).toMatchObject({ to: 2, reason: expect.stringMatching(/\/ 3\) = 2$/) as unknown });
    // 4 queued + 2 running + 6 more = 12 → 4 workers.
    for (let i = 0; i < 6; i++) await ep.run({ ms: 100 });
    await eventually(async () => ((await active(s, 'counted')).length === 4 ? true : undefined), 10_000, '4 workers');
    expect((await scaler(s, 'counted')).decisions.at(-1)?.reason).toMatch(/\/ 3\) = 4$/);
    await ep.purgeQueue();
  }, 30_000);
});

// Light tests, mostly waiting (backoff, ticks): they run side by side.
describe.concurrent('lowPriority, crash loops, GPUs and stopPod', () => {
  it('never starts a worker for lowPriority jobs, which still run once a worker exists', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await start(onTestFinished, {
      lazy: { workersMin: 0, workersMax: 2, scalerValue: 1, idleTimeout: 30, worker: WORKER },
    });
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('lazy');
    const low = await Promise.all([1, 2, 3].map(() => ep.run({ ms: 0 }, { policy: { lowPriority: true } })));
    const queuedAt = Date.now();
    // Three autoscaler ticks later, with jobs waiting three times scalerValue: still nothing.
    await eventually(
      async () => (((await scaler(s, 'lazy')).lastTickAt ?? 0) > queuedAt + 3000 ? true : undefined),
      10_000,
      'three ticks',
    );
    expect(spawns(s, 'lazy')).toBe(0);
    expect((await scaler(s, 'lazy')).decisions).toEqual([]);
    expect((await ep.status(low[0]!.id)).status).toBe('IN_QUEUE');
    const normal = await ep.run({ ms: 0 });
    for (const { id } of [...low, normal])
      expect((await ep.waitFor(id, { timeoutMs: 20_000 })).status).toBe('COMPLETED');
    // One worker, unless a slow start kept the normal job waiting past scalerValue: every start must have a
    // decision counting only the normal job, never the three lowPriority ones.
    const { decisions } = await scaler(s, 'lazy');
    const ups = decisions.filter((d) => d.to > d.from);
    expect(ups[0]?.reason).toBe('cold start: 1 job(s) queued and no worker');
    expect(ups.slice(1).every((d) => /^oldest job waited/.test(d.reason))).toBe(true);
    expect(spawns(s, 'lazy')).toBe(ups.reduce((sum, d) => sum + d.to - d.from, 0));
  }, 30_000);
  it('marks a crash-looping endpoint unhealthy, keeps its stderr, and backs off instead of hot-looping', async ({
    expect,
    onTestFinished,
  }) => {
    const crash = { ...WORKER, env: { FLEET_WORKER_CRASH: 'model weights not found' } };
    const s = await start(onTestFinished, { crashy: { workersMin: 1, workersMax: 1, worker: crash } });
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('crashy');
    const started = Date.now();
    await eventually(async () => ((await ep.health()).workers.unhealthy === 1 ? true : undefined), 20_000, 'unhealthy');
    const elapsed = Date.now() - started;
    // Five quick exits with 0.5 + 1 + 2 + 4 s of backoff between them: no hot loop.
    expect(elapsed).toBeGreaterThan(7000);
    expect(spawns(s, 'crashy')).toBe(5);
    const view = await workers(s, 'crashy');
    expect(view).toMatchObject({ crashLoop: true, quickExits: 5, target: 1 });
    expect(view.lastExit).toMatchObject({ code: 3 });
    expect(view.lastExit?.stderrTail).toEqual(['loading model...', 'fatal: model weights not found']);
    expect(view.workers).toEqual([expect.objectContaining({ state: 'exited', managed: true })]);
    expect((await scaler(s, 'crashy')).state).toBe('crash-loop');
    // The next start waits 8 s: two autoscaler ticks on, the backoff still holds and there are still five.
    expect(view.restartAt).toBeDefined();
    for (let tick = 0; tick < 2; tick++) {
      const last = (await scaler(s, 'crashy')).lastTickAt ?? 0;
      await eventually(async () => (((await scaler(s, 'crashy')).lastTickAt ?? 0) > last ? true : undefined), 10_000);
    }
    expect(spawns(s, 'crashy')).toBe(5);
  }, 30_000);

  it('gives each worker unshared GPUs in CUDA_VISIBLE_DEVICES, throttles the one that does not fit', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await start(
      onTestFinished,
      { gpu: { workersMin: 3, workersMax: 3, gpuCount: 2, worker: WORKER } },
      { gpus: [0, 1, 2, 3] },
    );
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('gpu');
    await eventually(
      async () => {
        const { workers } = await ep.health();
        return workers.ready === 2 && workers.throttled === 1 ? true : undefined;
      },
      15_000,
      'two placed, one throttled',
    );
    const done = await runAll(ep, [{ ms: 1500 }, { ms: 1500 }]);
    const outputs = done.map((job) => job.output as { cuda: string; workerId: string });
    expect(outputs.map((o) => o.cuda).sort()).toEqual(['0,1', '2,3']);
    expect(new Set(outputs.map((o) => o.workerId)).size).toBe(2);
    const view = await workers(s, 'gpu');
    expect(view.throttled).toBe(1);
    expect(view.workers.map((w) => w.label).sort()).toEqual(['gpu0-1', 'gpu2-3']);

    // GPUs freed by a worker that dies go to the next worker.
    const victim = view.workers.find((w) => w.label === 'gpu0-1')!;
    process.kill(victim.pid!, 'SIGKILL');
    const replaced = await eventually(
      async () => {
        const now = await workers(s, 'gpu');
        const fresh = now.workers.find((w) => w.label === 'gpu0-1' && w.workerId !== victim.workerId);
        return fresh && now.workers.length === 2 ? now : undefined;
      },
      15_000,
      'replacement on the freed GPUs',
    );
    expect(replaced.throttled).toBe(1);
    expect(replaced.workers.map((w) => w.gpus).sort()).toEqual([
      [0, 1],
      [2, 3],
    ]);
  }, 30_000);

  it('stops a worker that sent stopPod but keeps running (runpod-python) once it is idle, and replaces it', async ({
    expect,
    onTestFinished,
  }) => {
    const stays = { command: 'node', args: ['test/e2e/fixtures/stoppod-worker.mjs'] };
    const s = await start(onTestFinished, { stays: { workersMin: 1, workersMax: 1, worker: stays } });
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('stays');
    const first = await ep.runSync({});
    const second = await ep.runSync({});
    const a = (first.output as { workerId: string }).workerId;
    expect((second.output as { workerId: string }).workerId).not.toBe(a);
    expect(s.output()).toMatch(new RegExp(`"workerId":"${a}"[^\\n]*"reason":"stopPod: drained"`));
    expect(await workers(s, 'stays')).toMatchObject({ crashLoop: false, quickExits: 0 });
  }, 30_000);

  it.runIf(process.platform === 'linux')(
    'stops its workers when the server is killed with SIGKILL (parent-death signal)',
    async ({ expect, onTestFinished }) => {
      // Silent, like a worker busy on a long job: a Node worker that logs would die of EPIPE on its own.
      const silent = { command: 'node', args: ['-e', 'setInterval(() => {}, 1000)'] };
      const s = await start(onTestFinished, { orphans: { workersMin: 2, workersMax: 2, worker: silent } });
      const pids = await eventually(
        async () => {
          const list = (await workers(s, 'orphans')).workers.flatMap((w) => (w.pid === undefined ? [] : [w.pid]));
          return list.length === 2 ? list : undefined;
        },
        15_000,
        'two workers with pids',
      );
      const alive = (pid: number): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      expect(pids.every(alive)).toBe(true);
      // Not s.kill(): that also kills the server's process group, which would hide what this checks.
      s.child.kill('SIGKILL');
      await eventually(() => Promise.resolve(pids.some(alive) ? undefined : true), 10_000, 'workers to exit');
    },
    30_000,
  );

  it('replaces a worker that asked for it with stopPod, without counting it as a crash', async ({
    expect,
    onTestFinished,
  }) => {
    const s = await start(onTestFinished, { fresh: { workersMin: 1, workersMax: 1, worker: WORKER } });
    const ep = createClient({ baseUrl: s.baseUrl }).endpoint('fresh');
    const first = await ep.runSync({ refresh: true });
    const second = await ep.runSync({});
    expect(first.status).toBe('COMPLETED');
    expect(second.status).toBe('COMPLETED');
    const a = (first.output as { workerId: string }).workerId;
    const b = (second.output as { workerId: string }).workerId;
    expect(b).not.toBe(a);
    const view = await workers(s, 'fresh');
    expect(view).toMatchObject({ crashLoop: false, quickExits: 0 });
    expect(view.lastExit).toBeUndefined();
    expect((await ep.health()).workers.unhealthy).toBe(0);
  }, 30_000);
});
