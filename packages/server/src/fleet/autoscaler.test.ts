// The autoscaler loop with fake timers: a real (in-memory) store, a fake launcher, ticks every second.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config/load-config.js';
import type { Config } from '../config/config-schema.js';
import type { JobContext } from '../jobs/job-context.js';
import { Wakeups } from '../jobs/wakeups.js';
import type { SluiceStore } from '../store/sluice-store.js';
import type { WorkerRecord } from '../store/worker-registry.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import { newJob } from '../store/testing/conformance-support.js';
import { Autoscaler, ScalerState, type ScalableFleet } from './autoscaler.js';
import type { EndpointSlots, LaunchedWorker } from './launcher.js';

const T0 = 1_700_000_000_000;
const EP = 'ep';

/** Launches nothing: workers are records the test moves through their states. */
class FakeFleet implements ScalableFleet {
  readonly workers: LaunchedWorker[] = [];
  readonly retired: string[] = [];
  private readonly targets = new Map<string, number>();
  private next = 0;

  constructor(private readonly store: SluiceStore) {}

  sync(endpointId: string, records: WorkerRecord[]): void {
    for (const w of this.workersOf(endpointId)) {
      w.record = records.find((r) => r.workerId === w.workerId);
      if (w.state === 'starting' && w.record?.lastSeenAt !== undefined) w.state = 'ready';
    }
  }

  workersOf(endpointId: string): LaunchedWorker[] {
    return this.workers.filter((w) => w.endpointId === endpointId);
  }

  slotsOf(endpointId: string): EndpointSlots {
    return { target: this.targets.get(endpointId) ?? 0, throttled: 0, crashLoop: false, quickExits: 0, restartAt: 0 };
  }

  setTarget(endpointId: string, count: number): void {
    this.targets.set(endpointId, count);
    const active = this.workersOf(endpointId).filter((w) => w.state === 'starting' || w.state === 'ready');
    for (let i = active.length; i < count; i++) {
      const workerId = `w${++this.next}`;
      this.workers.push({
        endpointId,
        workerId,
        state: 'starting',
        gpus: [],
        label: 'cpu',
        startedAt: Date.now(),
        stderrTail: [],
      });
      void this.store.recordWorker(endpointId, workerId, {}, Date.now());
    }
  }

  async retire(workerId: string): Promise<void> {
    const w = this.workers.find((x) => x.workerId === workerId);
    if (w) w.state = 'stopping';
    this.retired.push(workerId);
    await this.store.recordWorker(EP, workerId, { draining: true }, Date.now());
  }

  async removeEndpoint(endpointId: string): Promise<void> {
    this.targets.set(endpointId, 0);
    for (const w of this.workersOf(endpointId)) await this.retire(w.workerId);
  }

  /** Stopping workers exit; the others become ready (they made their first request). */
  async settle(): Promise<void> {
    for (const w of [...this.workers]) {
      if (w.state === 'stopping') {
        this.workers.splice(this.workers.indexOf(w), 1);
        await this.store.removeWorker(w.endpointId, w.workerId);
      } else await this.store.recordWorker(w.endpointId, w.workerId, { seen: true }, Date.now());
    }
  }

  active(): string[] {
    return this.workersOf(EP)
      .filter((w) => w.state === 'starting' || w.state === 'ready')
      .map((w) => w.workerId);
  }
}

describe('Autoscaler', () => {
  let store: SluiceStore;
  let config: Config;
  let fleet: FakeFleet;
  let autoscaler: Autoscaler;

  const start = (endpoint: Record<string, unknown>) => {
    config = resolveConfig({ endpoints: { [EP]: { worker: { command: 'true' }, ...endpoint } } });
    const ctx: JobContext = {
      store,
      workers: store,
      wakeups: new Wakeups(),
      endpoint: (id) => config.endpoints[id],
      now: () => Date.now(),
      log: pino({ level: 'silent' }),
    };
    autoscaler = new Autoscaler(
      ctx,
      fleet,
      { tickMs: 1000, endpointIds: () => Object.keys(config.endpoints) },
      ctx.log,
    );
    autoscaler.start();
  };
  /** Lets `ms` pass, tick by tick. */
  const pass = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  const enqueue = async (n: number, lowPriority = false) => {
    for (let i = 0; i < n; i++) await store.enqueue(newJob({ endpointId: EP, createdAt: Date.now(), lowPriority }));
  };
  let claimed: { workerId: string; jobId: string }[] = [];
  /** Each ready worker with nothing in flight takes one job. */
  const takeJobs = async () => {
    for (const w of fleet.workersOf(EP)) {
      if (w.state !== 'ready' || (w.record?.inFlight ?? 0) > 0) continue;
      for (const job of await store.claim(EP, w.workerId, 1, Date.now())) {
        claimed.push({ workerId: w.workerId, jobId: job.id });
      }
    }
  };
  /** Every claimed job completes now, as the worker's job-done would report it. */
  const finishAll = async () => {
    for (const { workerId, jobId } of claimed) {
      const outcome = await store.finish(EP, workerId, jobId, { status: 'COMPLETED' }, Date.now());
      if (outcome.kind === 'applied') autoscaler.noteTerminal(outcome.job);
    }
    claimed = [];
  };

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    store = openSqliteJobStore({ path: ':memory:' });
    fleet = new FakeFleet(store);
  });

  afterEach(async () => {
    await autoscaler.stop();
    vi.useRealTimers();
    await store.close();
  });

  it('QUEUE_DELAY: scales 0 → max one step at a time, then back to 0 after idleTimeout', async () => {
    start({ workersMin: 0, workersMax: 3, scalerType: 'QUEUE_DELAY', scalerValue: 1, idleTimeout: 5 });
    await pass(0);
    expect(fleet.active()).toEqual([]);
    expect(autoscaler.view(EP).state).toBe(ScalerState.ZERO);

    await enqueue(10);
    await pass(1000);
    expect(fleet.active()).toHaveLength(1);
    expect(autoscaler.view(EP).decisions.at(-1)?.reason).toMatch(/cold start/);
    expect(autoscaler.view(EP).state).toBe(ScalerState.SCALING_UP);

    // While the first worker is starting, no further step even though the queue waits.
    await pass(2000);
    expect(fleet.active()).toHaveLength(1);

    for (const size of [2, 3, 3]) {
      await fleet.settle();
      await pass(1000);
      await takeJobs();
      expect(fleet.active()).toHaveLength(size);
    }
    await fleet.settle();
    await pass(1000);
    await takeJobs();
    expect(autoscaler.view(EP)).toMatchObject({ state: ScalerState.STEADY, target: 3 });

    // Everything done: after idleTimeout (5 s) of no job, every worker is retired.
    await store.purgeQueue(EP, Date.now(), 100);
    await finishAll();
    await pass(4000);
    expect(fleet.retired).toEqual([]);
    await pass(2000);
    expect(fleet.retired).toHaveLength(3);
    expect(autoscaler.view(EP)).toMatchObject({ state: ScalerState.SCALING_DOWN, target: 0 });
    await fleet.settle();
    await pass(1000);
    expect(autoscaler.view(EP).state).toBe(ScalerState.ZERO);
    expect(autoscaler.view(EP).decisions.at(-1)?.reason).toMatch(/idle for 5 s/);
  });

  it('starts a worker as soon as a job is queued at an endpoint with none, without waiting for the tick', async () => {
    start({ workersMin: 0, workersMax: 3, scalerType: 'QUEUE_DELAY', scalerValue: 1 });
    await pass(0);
    const firstTick = autoscaler.view(EP).lastTickAt;
    await pass(300);
    const queue = async (lowPriority = false) => {
      const { job } = await store.enqueue(newJob({ endpointId: EP, createdAt: Date.now(), lowPriority }));
      autoscaler.noteQueued(job);
      await pass(0);
    };

    // A low-priority job never starts a worker: no tick for it.
    await queue(true);
    expect(autoscaler.view(EP).lastTickAt).toBe(firstTick);
    await queue();
    expect(fleet.active()).toHaveLength(1);
    expect(autoscaler.view(EP)).toMatchObject({ state: ScalerState.SCALING_UP, target: 1, lastTickAt: T0 + 300 });
    expect(autoscaler.view(EP).decisions.at(-1)?.reason).toMatch(/cold start/);

    // With a worker on its way, more jobs wait for the periodic tick, which the cold start did not move.
    await pass(200);
    await queue();
    expect(autoscaler.view(EP).lastTickAt).toBe(T0 + 300);
    await pass(500);
    expect(autoscaler.view(EP).lastTickAt).toBe(T0 + 1000);
  });

  it('never scales up for lowPriority jobs, and lets existing workers run them', async () => {
    start({ workersMin: 0, workersMax: 3, scalerType: 'QUEUE_DELAY', scalerValue: 1 });
    await enqueue(5, true);
    await pass(10_000);
    expect(fleet.active()).toEqual([]);
    expect(autoscaler.view(EP).decisions).toEqual([]);

    config.endpoints[EP]!.workersMin = 1;
    await pass(1000);
    await fleet.settle();
    await pass(1000);
    await takeJobs();
    expect(fleet.active()).toHaveLength(1);
    expect(await store.counts(EP)).toMatchObject({ inProgress: 1, inQueue: 4 });
    // Low-priority jobs waiting for minutes still do not add a worker.
    await pass(60_000);
    expect(fleet.active()).toHaveLength(1);
  });

  it('REQUEST_COUNT: follows ceil((queued + running) / scalerValue)', async () => {
    start({ workersMin: 0, workersMax: 5, scalerType: 'REQUEST_COUNT', scalerValue: 3, idleTimeout: 2 });
    await enqueue(7);
    await pass(1000);
    expect(fleet.active()).toHaveLength(3);
    expect(autoscaler.view(EP).decisions.at(-1)?.reason).toBe('ceil((7 queued + 0 running) / 3) = 3');
    await fleet.settle();
    await pass(1000);
    await takeJobs();
    await enqueue(6);
    await pass(1000);
    // 10 queued + 3 running = 13 → 5 (capped at workersMax 5).
    expect(fleet.active()).toHaveLength(5);
  });

  it('counts a job that ended between two ticks as activity (idle time restarts)', async () => {
    start({ workersMin: 0, workersMax: 1, scalerType: 'QUEUE_DELAY', scalerValue: 1, idleTimeout: 3 });
    await enqueue(1);
    await pass(1000);
    await fleet.settle();
    await pass(1000);
    // Short jobs, each started and ended between ticks: no tick sees them in flight.
    await takeJobs();
    await finishAll();
    await pass(2500);
    expect(fleet.retired).toEqual([]);
    await enqueue(1);
    await takeJobs();
    await finishAll();
    // 3.5 s since the first job ended, but only 1 s since the second one did.
    await pass(1000);
    expect(fleet.retired).toEqual([]);
    await pass(3000);
    expect(fleet.retired).toHaveLength(1);
  });

  it('applies changed settings at the next tick: a lower workersMax retires the excess', async () => {
    start({ workersMin: 3, workersMax: 3 });
    await pass(1000);
    expect(fleet.active()).toHaveLength(3);
    await fleet.settle();
    config.endpoints[EP] = { ...config.endpoints[EP]!, workersMin: 1, workersMax: 1 };
    autoscaler.tickSoon();
    await pass(0);
    expect(fleet.active()).toHaveLength(1);
    expect(fleet.retired).toHaveLength(2);
    expect(autoscaler.view(EP).decisions.at(-1)?.reason).toMatch(/workersMax 1/);
  });

  it('stops every worker of a removed endpoint, and records why', async () => {
    start({ workersMin: 2 });
    await pass(1000);
    await autoscaler.remove(EP, 'endpoint removed from the configuration');
    expect(fleet.retired).toHaveLength(2);
    expect(autoscaler.view(EP)).toMatchObject({ state: ScalerState.REMOVED, target: 0 });
  });
});
