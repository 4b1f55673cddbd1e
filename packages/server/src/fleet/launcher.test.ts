// The launcher's states driven directly: a fake process (its exit is the test's to decide), a fake worker
// registry and fake timers for the restart back-off. Start, ready, planned and unplanned exits, crash-loop
// back-off and recovery, stopPod drains, and stop.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EndpointConfig } from '../config/config-schema.js';
import type { WorkerRecord, WorkerUpdate } from '../store/worker-registry.js';
import { HEALTHY_RUN_MS, RESTART_BACKOFF_MS } from './crash-loop.js';
import type { LaunchedProcess } from './launched-worker.js';
import { Launcher, WorkerState, type LauncherContext } from './launcher.js';
import type { ProcessExit, WorkerCommand } from './worker-process.js';

const EP = 'echo';
const GRACE_MS = 35_000;

class FakeProcess implements LaunchedProcess {
  private static nextPid = 1000;
  readonly pid = FakeProcess.nextPid++;
  /** The grace period terminate() was called with; undefined until then. */
  terminatedWith: number | undefined;
  readonly exited: Promise<ProcessExit>;
  private end!: (exit: ProcessExit) => void;

  constructor(readonly command: WorkerCommand) {
    this.exited = new Promise((resolve) => (this.end = resolve));
  }

  stderrTail(): string[] {
    return ['Traceback: boom'];
  }

  terminate(graceMs: number): Promise<ProcessExit> {
    this.terminatedWith ??= graceMs;
    // A worker that drains at once: SIGTERM ends it.
    this.end({ code: null, signal: 'SIGTERM' });
    return this.exited;
  }

  exit(code: number): void {
    this.end({ code, signal: null });
  }
}

/** The worker-registry part of the store, in memory. */
class FakeRegistry {
  readonly records = new Map<string, WorkerRecord>();
  readonly reclaimed: string[] = [];

  recordWorker(endpointId: string, workerId: string, update: WorkerUpdate, now: number): Promise<WorkerRecord> {
    const record = this.records.get(workerId) ?? {
      endpointId,
      workerId,
      firstSeenAt: now,
      pingJobIds: [],
      draining: false,
      inFlight: 0,
    };
    if (update.label !== undefined) record.label = update.label;
    if (update.draining) record.draining = true;
    if (update.unhealthy) record.unhealthy = { at: now, ...update.unhealthy };
    this.records.set(workerId, record);
    return Promise.resolve(record);
  }
  getWorker(_endpointId: string, workerId: string): Promise<WorkerRecord | undefined> {
    return Promise.resolve(this.records.get(workerId));
  }
  removeWorker(_endpointId: string, workerId: string): Promise<void> {
    this.records.delete(workerId);
    return Promise.resolve();
  }
  reclaim(_endpointId: string, workerId: string): Promise<never[]> {
    this.reclaimed.push(workerId);
    return Promise.resolve([]);
  }
  /** What a sync would read: the records, with the given fields changed. */
  seen(workerId: string, fields: Partial<WorkerRecord> = {}): WorkerRecord[] {
    const record = this.records.get(workerId);
    if (record) Object.assign(record, { lastSeenAt: Date.now(), ...fields });
    return [...this.records.values()];
  }
}

/** Lets the launcher's exit handling (a few store round trips, all in microtasks) run until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await Promise.resolve();
  expect(check()).toBe(true);
}

function harness() {
  const registry = new FakeRegistry();
  const spawned: FakeProcess[] = [];
  const tokens = new Set<string>();
  const endpoint = {
    gpuCount: 0,
    worker: { command: 'node', args: ['worker.js'], env: {} },
  } as unknown as EndpointConfig;
  const ctx = {
    store: registry as unknown as LauncherContext['store'],
    workers: registry,
    endpoint: (id: string) => (id === EP ? endpoint : undefined),
    now: () => Date.now(),
  } satisfies LauncherContext;
  const launcher = new Launcher(
    ctx,
    {
      baseUrl: 'http://127.0.0.1:1',
      pingIntervalMs: 10_000,
      maxReclaims: 3,
      stopGraceMs: GRACE_MS,
      issueToken: (_endpointId, workerId) => {
        tokens.add(`t-${workerId}`);
        return `t-${workerId}`;
      },
      unregisterToken: (_endpointId, token) => tokens.delete(token),
      spawnProcess: (command) => {
        const proc = new FakeProcess(command);
        spawned.push(proc);
        return proc;
      },
    },
    pino({ level: 'silent' }),
  );
  const workers = () => launcher.workersOf(EP);
  const idOf = (proc: FakeProcess | undefined) => proc?.command.env['RUNPOD_POD_ID'] ?? '';
  return { registry, spawned, tokens, launcher, workers, idOf };
}

describe('Launcher', () => {
  let h: ReturnType<typeof harness>;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    h = harness();
  });
  afterEach(async () => {
    await h.launcher.stop();
    vi.useRealTimers();
  });

  it('starts workers up to the target, each with its own id and token, starting until its first request', () => {
    h.launcher.setTarget(EP, 2);
    expect(h.spawned).toHaveLength(2);
    const ids = h.spawned.map(h.idOf);
    expect(new Set(ids).size).toBe(2);
    expect(h.spawned[0]!.command.env['RUNPOD_AI_API_KEY']).toBe(`t-${ids[0]}`);
    expect(h.workers().map((w) => w.state)).toEqual([WorkerState.STARTING, WorkerState.STARTING]);
    expect(h.launcher.initializing(EP)).toHaveLength(2);
    h.launcher.sync(EP, h.registry.seen(ids[0]!));
    expect(h.workers().map((w) => w.state)).toEqual([WorkerState.READY, WorkerState.STARTING]);
    // Setting the same target again starts nothing more.
    h.launcher.setTarget(EP, 2);
    expect(h.spawned).toHaveLength(2);
  });

  it('retires a worker: draining in the store, SIGTERM with the grace period, then its record and token go', async () => {
    h.launcher.setTarget(EP, 1);
    const id = h.idOf(h.spawned[0]);
    h.launcher.setTarget(EP, 0);
    await h.launcher.retire(id, 'scale down');
    expect(h.spawned[0]!.terminatedWith).toBe(GRACE_MS);
    await until(() => !h.registry.records.has(id));
    expect(h.registry.reclaimed).toEqual([id]);
    expect(h.tokens.size).toBe(0);
    expect(h.workers()).toEqual([]);
    expect(h.launcher.slotsOf(EP)).toMatchObject({ quickExits: 0, crashLoop: false, lastExit: undefined });
    expect(h.spawned).toHaveLength(1);
  });

  it('after an unplanned exit hands the jobs back and starts a replacement only once the back-off is over', async () => {
    h.launcher.setTarget(EP, 1);
    const id = h.idOf(h.spawned[0]);
    h.spawned[0]!.exit(1);
    await until(() => h.launcher.slotsOf(EP).lastExit !== undefined);
    expect(h.registry.reclaimed).toEqual([id]);
    expect(h.launcher.slotsOf(EP)).toMatchObject({
      quickExits: 1,
      crashLoop: false,
      restartAt: Date.now() + RESTART_BACKOFF_MS[0],
      lastExit: { workerId: id, code: 1, signal: null, stderrTail: ['Traceback: boom'] },
    });
    await until(() => !h.registry.records.has(id));
    await vi.advanceTimersByTimeAsync(RESTART_BACKOFF_MS[0] - 1);
    expect(h.spawned).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.spawned).toHaveLength(2);
  });

  it('backs off longer after each quick exit, marks a crash loop with a kept record, and recovers after a steady run', async () => {
    h.launcher.setTarget(EP, 1);
    const delays: number[] = [];
    for (let n = 1; n <= 5; n++) {
      const proc = h.spawned[n - 1]!;
      proc.exit(1);
      await until(
        () => h.launcher.slotsOf(EP).quickExits === n && h.launcher.slotsOf(EP).lastExit?.workerId === h.idOf(proc),
      );
      delays.push(h.launcher.slotsOf(EP).restartAt - Date.now());
      await vi.advanceTimersByTimeAsync(delays.at(-1)!);
      expect(h.spawned).toHaveLength(n + 1);
    }
    expect(delays).toEqual(RESTART_BACKOFF_MS.slice(0, 5));
    expect(h.launcher.slotsOf(EP).crashLoop).toBe(true);
    const marked = [...h.registry.records.values()].filter((r) => r.unhealthy);
    expect(marked.map((r) => [r.workerId, r.unhealthy?.check])).toEqual([[h.idOf(h.spawned[4]), 'crash-loop']]);

    // The sixth worker answers and keeps running: the endpoint is healthy again and the mark goes.
    const steady = h.idOf(h.spawned[5]);
    h.launcher.sync(EP, h.registry.seen(steady));
    expect(h.launcher.slotsOf(EP).crashLoop).toBe(true);
    vi.setSystemTime(Date.now() + HEALTHY_RUN_MS);
    h.launcher.sync(EP, h.registry.seen(steady));
    expect(h.launcher.slotsOf(EP)).toMatchObject({ crashLoop: false, quickExits: 0 });
    await until(() => [...h.registry.records.values()].every((r) => !r.unhealthy));
  });

  it('drains a worker that sent stopPod: stopped once idle, replaced at once without back-off', async () => {
    h.launcher.setTarget(EP, 1);
    const id = h.idOf(h.spawned[0]);
    h.launcher.sync(EP, h.registry.seen(id, { draining: true, inFlight: 1 }));
    // A draining worker no longer counts toward the target: its replacement starts in the same sync.
    expect(h.workers().map((w) => w.state)).toEqual([WorkerState.DRAINING, WorkerState.STARTING]);
    expect(h.spawned).toHaveLength(2);
    expect(h.spawned[0]!.terminatedWith).toBeUndefined();
    h.launcher.sync(EP, h.registry.seen(id, { inFlight: 0 }));
    expect(h.spawned[0]!.terminatedWith).toBe(GRACE_MS);
    await until(() => !h.registry.records.has(id));
    expect(h.launcher.slotsOf(EP)).toMatchObject({ quickExits: 0, lastExit: undefined });
    expect(h.workers().map((w) => w.workerId)).toEqual([h.idOf(h.spawned[1])]);
  });

  it('stop terminates every worker, waits for their exits and starts none after', async () => {
    h.launcher.setTarget(EP, 2);
    h.spawned[0]!.exit(1);
    await until(() => h.launcher.slotsOf(EP).lastExit !== undefined);
    await h.launcher.stop();
    expect(h.spawned[1]!.terminatedWith).toBe(GRACE_MS);
    expect(h.registry.records.size).toBe(0);
    expect(h.workers()).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.spawned).toHaveLength(2);
    h.launcher.setTarget(EP, 3);
    expect(h.spawned).toHaveLength(2);
  });
});
