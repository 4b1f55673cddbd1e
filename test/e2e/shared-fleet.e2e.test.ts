// One endpoint served by three `sluice serve` processes sharing one Redis, each with its own two fake GPUs
// (docs/scaling.md, "One fleet over several servers"): a burst brings six workers up, two per server, no GPU
// given twice; the fleet returns to zero; kill -9 of the deciding server mid-burst hands the decision on, and
// its workers' jobs are requeued and completed elsewhere. workersMax is checked at every sample.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type EndpointClient, type StatusObject } from '@sluice/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deletePrefix } from '../../packages/server/src/store/redis/delete-prefix.js';
import { describeWithRedis } from '../support/redis.js';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const PREFIX = `sluice-e2e-fleet-${randomUUID().slice(0, 8)}`;
const WORKERS_MAX = 6;
const GPUS = [
  [0, 1],
  [2, 3],
  [4, 5],
];
const ENDPOINT = {
  gpuCount: 1,
  workersMin: 0,
  workersMax: WORKERS_MAX,
  // One worker per queued or running job: the burst asks for all six at once.
  scalerType: 'REQUEST_COUNT',
  scalerValue: 1,
  idleTimeout: 2,
  worker: { command: 'node', args: ['test/e2e/fixtures/fleet-worker.mjs'] },
};

interface FleetWorker {
  workerId: string;
  server?: string;
  state: string;
  gpus: number[];
  managed: boolean;
}
interface FleetView {
  workers: FleetWorker[];
  fleet?: {
    server: string;
    decider?: string;
    fleetTarget: number;
    servers: { serverId: string; baseUrl: string; share: number }[];
  };
}
interface Decision {
  reason: string;
  decidedBy?: string;
  shares?: Record<string, { target: number; why: string }>;
}

const ACTIVE = ['starting', 'idle', 'running'];

describeWithRedis('one endpoint over three servers sharing one Redis', (redisUrl) => {
  const servers: ServerProcess[] = [];
  const alive = new Set<ServerProcess>();
  const marks = mkdtempSync(join(tmpdir(), 'sluice-fleet-marks-'));
  let gen: EndpointClient;

  beforeAll(async () => {
    const started = await Promise.all(
      GPUS.map((gpus) =>
        startServerProcess({
          config: {
            server: {
              gpus,
              workerPollHoldMs: 2000,
              pingIntervalMs: 1000,
              workerLostAfterMs: 3000,
              reaperIntervalMs: 250,
              fleet: { leaseMs: 2000, heartbeatMs: 250 },
            },
            store: { kind: 'redis', url: redisUrl, prefix: PREFIX },
            endpoints: { gen: ENDPOINT },
          },
        }),
      ),
    );
    for (const s of started) {
      servers.push(s);
      alive.add(s);
    }
    gen = createClient({ baseUrl: servers[0]!.baseUrl }).endpoint('gen');
    // Every server has advertised the endpoint: the decider can place on all three.
    await eventually(
      async () => ((await view(servers[0]!)).fleet?.servers.length === 3 ? true : undefined),
      20_000,
      'three servers in the fleet',
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) removeDir(s.dir);
    removeDir(marks);
    await deletePrefix(redisUrl, PREFIX);
  }, 60_000);

  async function view(s: ServerProcess): Promise<FleetView> {
    return (await http('GET', `${s.baseUrl}/admin/endpoints/gen/workers`)).json as FleetView;
  }

  /** Each live server's own launched workers, read from itself: the fleet as it is. */
  async function sample(): Promise<Map<ServerProcess, FleetWorker[]>> {
    const entries = await Promise.all(
      [...alive].map(async (s) => {
        const v = await view(s);
        return [s, v.workers.filter((w) => w.managed && w.server === v.fleet?.server)] as const;
      }),
    );
    return new Map(entries);
  }

  /** Samples every 150 ms while `done` runs: fails on more than workersMax active or a GPU held twice. */
  async function watch<T>(done: Promise<T>, onSample: (fleet: Map<ServerProcess, FleetWorker[]>) => void = () => {}) {
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    let peak = 0;
    while (!finished) {
      const fleet = await sample().catch(() => undefined); // a server being killed may not answer
      if (fleet) {
        const all = [...fleet.values()].flat();
        const active = all.filter((w) => ACTIVE.includes(w.state)).length;
        expect(active, 'workersMax across the fleet').toBeLessThanOrEqual(WORKERS_MAX);
        const gpus = all.flatMap((w) => w.gpus);
        expect(new Set(gpus).size, `GPUs held twice: ${gpus.join(',')}`).toBe(gpus.length);
        for (const [s, ws] of fleet) {
          const own = GPUS[servers.indexOf(s)] ?? [];
          expect(
            ws.flatMap((w) => w.gpus).every((g) => own.includes(g)),
            'a GPU of another server',
          ).toBe(true);
        }
        peak = Math.max(peak, active);
        onSample(fleet);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return { result: await done, peak };
  }

  async function burst(client: EndpointClient, count: number, ms: number): Promise<string[]> {
    return Promise.all(Array.from({ length: count }, async () => (await client.run({ ms, markDir: marks })).id));
  }

  const finish = (client: EndpointClient, ids: string[]): Promise<StatusObject[]> =>
    Promise.all(ids.map((id) => client.waitFor(id, { timeoutMs: 90_000 })));

  it('scales a burst to six workers, two on each server, then back to zero', async () => {
    let twoEach = false;
    // Another server learns of a worker from its server's advert, up to a heartbeat late: keep asking while
    // the burst runs, and keep the first answer that shows the whole fleet.
    let wholeFleet: FleetView | undefined;
    const showsWholeFleet = (v: FleetView) =>
      v.workers.filter((w) => w.managed).length >= WORKERS_MAX && new Set(v.workers.map((w) => w.server)).size === 3;
    const { result, peak } = await watch(finish(gen, await burst(gen, 24, 1500)), (fleet) => {
      const counts = [...fleet.values()].map((ws) => ws.filter((w) => ACTIVE.includes(w.state)).length);
      if (counts.length === 3 && counts.every((n) => n === 2)) twoEach = true;
      if (twoEach && !wholeFleet) {
        view(servers[1]!).then(
          (v) => {
            if (showsWholeFleet(v)) wholeFleet ??= v;
          },
          () => {},
        );
      }
    });
    expect(result.every((job) => job.status === 'COMPLETED')).toBe(true);
    expect(peak).toBe(WORKERS_MAX);
    expect(twoEach).toBe(true);
    // Each server placed its workers on its own GPUs (CUDA_VISIBLE_DEVICES), one each.
    const cuda = new Set(result.map((job) => (job.output as { cuda: string }).cuda));
    expect([...cuda].every((c) => /^[0-5]$/.test(c))).toBe(true);

    // Any server shows the whole fleet: every worker with its server, and which server decides.
    expect(wholeFleet, 'one server showing every worker of the fleet with its server').toBeDefined();
    const seen = wholeFleet!;
    expect(seen.fleet?.servers.map((s) => s.share)).toEqual([2, 2, 2]);
    expect(seen.fleet?.decider).toBeDefined();
    const decisions = (
      (await http('GET', `${servers[1]!.baseUrl}/admin/endpoints/gen`)).json as { scaler: { decisions: Decision[] } }
    ).scaler.decisions;
    const up = decisions.find((d) => /ceil\(/.test(d.reason));
    expect(up?.decidedBy).toBeDefined();
    expect(Object.values(up?.shares ?? {}).some((s) => /^\+\d \(room for \d more\)/.test(s.why))).toBe(true);

    await watch(
      eventually(
        async () => {
          const fleet = await sample();
          return [...fleet.values()].every((ws) => ws.length === 0) ? true : undefined;
        },
        30_000,
        'the fleet back to zero',
      ),
    );
    expect((await view(servers[2]!)).fleet?.fleetTarget).toBe(0);
    expect((await gen.health()).workers).toMatchObject({ idle: 0, running: 0, initializing: 0 });
  }, 120_000);

  it('hands the decision on when the deciding server is killed, and loses no job', async () => {
    const before = await view(servers[0]!);
    const deciderId = before.fleet?.decider;
    const deciderUrl = before.fleet?.servers.find((s) => s.serverId === deciderId)?.baseUrl;
    const decider = servers.find((s) => s.baseUrl === deciderUrl);
    expect(decider).toBeDefined();
    const survivor = servers.find((s) => s !== decider)!;
    const survivorGen = createClient({ baseUrl: survivor.baseUrl }).endpoint('gen');
    const survivorIds = new Set<string>();

    // Submitted to and awaited on a server that survives (any server would do for submitting).
    const ids = await burst(survivorGen, 24, 3000);
    let killedAt = 0;
    let victims = new Set<string>();
    const handedOver = watch(finish(survivorGen, ids), (fleet) => {
      for (const [s, ws] of fleet) if (s !== decider) for (const w of ws) survivorIds.add(w.workerId);
      const theirs = fleet.get(decider!) ?? [];
      // Mid-burst: the decider's two workers are busy.
      if (killedAt === 0 && theirs.filter((w) => w.state === 'running').length === 2) {
        killedAt = Date.now();
        victims = new Set(theirs.map((w) => w.workerId));
        alive.delete(decider!);
        void decider!.kill();
      }
    });
    const newDecider = await eventually(
      async () => {
        if (killedAt === 0) return undefined;
        const d = (await view(survivor)).fleet?.decider;
        return d !== undefined && d !== deciderId ? { id: d, afterMs: Date.now() - killedAt } : undefined;
      },
      60_000,
      'another server to decide',
    );
    // The lease lapses 2 s after its last renewal; "a few seconds" with room for a loaded machine.
    expect(newDecider.afterMs).toBeLessThan(15_000);
    const { result } = await handedOver;
    expect(result.map((job) => job.status)).toEqual(ids.map(() => 'COMPLETED'));
    expect(victims.size).toBe(2);

    // The reclaim rule: a job runs again only when the worker running it was lost (here, the killed server's).
    const runs = new Map(
      readdirSync(marks)
        .filter((f) => ids.includes(f))
        .map((f) => [f, readFileSync(join(marks, f), 'utf8').trim().split('\n')]),
    );
    expect(runs.size).toBe(ids.length);
    let reran = 0;
    for (const job of result) {
      const by = runs.get(job.id) ?? [];
      const finalWorker = (job.output as { workerId: string }).workerId;
      expect(by.at(-1)).toBe(finalWorker);
      for (const earlier of by.slice(0, -1)) {
        expect(victims.has(earlier), `${job.id} ran twice: ${by.join(', ')}`).toBe(true);
      }
      if (by.length > 1) {
        reran++;
        // Requeued and completed elsewhere.
        expect(survivorIds.has(finalWorker)).toBe(true);
      }
    }
    expect(reran).toBeGreaterThanOrEqual(1);
    expect((await survivorGen.health()).jobs.failed).toBe(0);
  }, 150_000);
});
