// Starts and supervises the worker processes of endpoints that name a worker command (spec §7). Each worker
// gets its own id, token, GPUs and spec §7.1 environment. The autoscaler sets how many workers an endpoint
// wants (setTarget) and picks which to retire; the launcher fills the target as far as free GPUs and the restart
// backoff allow, hands an exited worker's jobs back, and stops workers gracefully (draining first).
//
// Per worker:  starting ──(first request)──▶ ready ──(stopPod: draining in the store)──▶ draining
//              ready | draining with nothing in flight ──(retire)──▶ stopping ──(exit)──▶ gone
//              starting | ready ──(unplanned exit)──▶ gone; the endpoint backs off before its next start
// A worker counts toward its endpoint's target while starting or ready.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobStore } from '../store/job-store.js';
import type { WorkerRecord, WorkerRegistry } from '../store/worker-registry.js';
import { EndpointRestarts } from './endpoint-restarts.js';
import { GpuPool, gpuLabel } from './gpu-pool.js';
import {
  isActive,
  WorkerState,
  type LaunchedWorker,
  type ManagedWorker,
  type SpawnProcess,
  type WorkerExit,
} from './launched-worker.js';
import { settleWorkerExit } from './worker-exit.js';
import { mergeEnv, workerEnv } from './worker-env.js';
import { WorkerProcess, type ProcessExit } from './worker-process.js';

export { WorkerState, type LaunchedWorker, type WorkerExit } from './launched-worker.js';

/** What the launcher uses of the job services: the worker registry part of the store, settings, clock, logs. */
export interface LauncherContext extends Pick<JobContext, 'endpoint' | 'now' | 'logs'> {
  store: Pick<JobStore, 'reclaim'>;
  workers: Pick<WorkerRegistry, 'recordWorker' | 'getWorker' | 'removeWorker'>;
}

export interface LauncherOptions {
  baseUrl: string;
  pingIntervalMs: number;
  maxReclaims: number;
  /** `server.gpus`: the GPU indices workers may be given. */
  gpus?: readonly number[];
  /** Issues the token a new worker of the endpoint authenticates with (auth accepts it from then on). */
  issueToken(endpointId: string, workerId: string): string;
  /** Called once the worker's process has exited: its token opens nothing any more. */
  unregisterToken?(endpointId: string, token: string): void;
  /** Time a stopping worker gets to drain before SIGKILL; longer than the worker SDK's own 30 s grace. */
  stopGraceMs?: number;
  /** Starts a worker's process; default: a real child process (WorkerProcess). Tests pass a fake. */
  spawnProcess?: SpawnProcess;
}

export interface EndpointSlots {
  target: number;
  /** Wanted workers that cannot start for lack of free GPUs. */
  throttled: number;
  crashLoop: boolean;
  quickExits: number;
  /** No worker of the endpoint starts before this time (restart backoff). */
  restartAt: number;
  lastExit?: WorkerExit;
}

interface Slot {
  target: number;
  throttled: number;
  restarts: EndpointRestarts;
  warnedUnplaceable?: boolean;
}

export class Launcher {
  private readonly workers = new Map<string, ManagedWorker>();
  private readonly slots = new Map<string, Slot>();
  /** Exit handling in progress (reclaims, store records): stop() waits for it before the store closes. */
  private readonly exiting = new Set<Promise<void>>();
  private readonly pool: GpuPool;
  private readonly home: string;
  private stopped = false;

  constructor(
    private readonly ctx: LauncherContext,
    private readonly options: LauncherOptions,
    private readonly log: Logger,
  ) {
    this.pool = new GpuPool(options.gpus ?? []);
    // A HOME with no .runpod/config.toml: an api_key there would replace the worker token (spec §7.1).
    this.home = join(tmpdir(), `sluice-worker-home-${process.pid}`);
    mkdirSync(this.home, { recursive: true });
  }

  /** How many workers the endpoint should have; starts the missing ones as far as possible. Never stops any. */
  setTarget(endpointId: string, count: number): void {
    this.slot(endpointId).target = Math.max(0, count);
    this.reconcile(endpointId);
  }

  target(endpointId: string): number {
    return this.slots.get(endpointId)?.target ?? 0;
  }

  /**
   * Launched workers not yet in the store as of the last sync (FleetView). Once there, the store's own count
   * of workers without a request covers them, and is more current than this view.
   */
  initializing(endpointId: string): string[] {
    return this.managedOf(endpointId)
      .filter((w) => w.state === WorkerState.STARTING && !w.record)
      .map((w) => w.workerId);
  }

  /** Wanted workers without free GPUs (FleetView). */
  throttled(endpointId: string): number {
    return this.slots.get(endpointId)?.throttled ?? 0;
  }

  /** GPUs of `server.gpus` no worker holds now (the fleet advertises them). */
  freeGpus(): number {
    return this.pool.available();
  }

  workersOf(endpointId: string): LaunchedWorker[] {
    return this.managedOf(endpointId).map((w) => ({
      endpointId: w.endpointId,
      workerId: w.workerId,
      pid: w.process.pid,
      state: w.state,
      gpus: w.gpus,
      label: w.label,
      startedAt: w.startedAt,
      record: w.record,
      stderrTail: w.process.stderrTail(),
    }));
  }

  slotsOf(endpointId: string): EndpointSlots {
    const slot = this.slot(endpointId);
    return {
      target: slot.target,
      throttled: slot.throttled,
      crashLoop: slot.restarts.crashLoop,
      quickExits: slot.restarts.quickExits,
      restartAt: slot.restarts.restartAt,
      lastExit: slot.restarts.lastExit,
    };
  }

  /**
   * Brings the launcher's view of the endpoint's workers up to date with the store (called every autoscaler
   * tick): first requests, stopPod drains (stopped once idle, then replaced), and recovery from a crash loop.
   */
  sync(endpointId: string, records: WorkerRecord[]): void {
    const byId = new Map(records.map((r) => [r.workerId, r]));
    const slot = this.slot(endpointId);
    for (const worker of this.managedOf(endpointId)) {
      const record = byId.get(worker.workerId);
      worker.record = record;
      if (worker.state === WorkerState.STARTING && record?.lastSeenAt !== undefined) worker.state = WorkerState.READY;
      if ((worker.state === WorkerState.STARTING || worker.state === WorkerState.READY) && record?.draining) {
        worker.state = WorkerState.DRAINING;
        this.log.info({ endpointId, workerId: worker.workerId }, 'worker sent stopPod: draining, then replaced');
      }
      if (worker.state === WorkerState.DRAINING && (record?.inFlight ?? 0) === 0) {
        // runpod-python keeps running after a handler-level refresh; the TS SDK is already on its way out.
        this.stopProcess(worker, 'stopPod: drained');
      }
      if (worker.state === WorkerState.READY) slot.restarts.noteRunning(worker.workerId, worker.startedAt);
    }
    this.reconcile(endpointId);
  }

  /** Stops a worker gracefully: no job after this (draining in the store), then SIGTERM; it drains in-flight jobs. */
  async retire(workerId: string, reason: string): Promise<void> {
    const worker = this.workers.get(workerId);
    if (!worker || worker.state === WorkerState.STOPPING) return;
    worker.state = WorkerState.STOPPING;
    const { endpointId } = worker;
    this.log.info({ endpointId, workerId, reason }, 'stopping worker');
    try {
      await this.ctx.workers.recordWorker(endpointId, workerId, { draining: true }, this.ctx.now());
    } catch (err) {
      this.log.warn({ err, endpointId, workerId }, 'cannot mark worker draining; stopping it anyway');
    }
    void worker.process.terminate(this.graceMs());
  }

  /** The endpoint is gone from the configuration: its workers stop; its jobs stay in the store. */
  async removeEndpoint(endpointId: string): Promise<void> {
    this.slot(endpointId).target = 0;
    await Promise.all(this.managedOf(endpointId).map((w) => this.retire(w.workerId, 'endpoint removed')));
  }

  /** SIGTERM to every worker; SIGKILL to those still alive after the grace period. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) slot.restarts.cancel();
    await Promise.all(
      [...this.workers.values()].map((w) => {
        w.state = WorkerState.STOPPING;
        return w.process.terminate(this.graceMs());
      }),
    );
    await Promise.all([...this.exiting]);
    // Every worker is gone: the empty HOME made for them would otherwise stay in /tmp after each run.
    rmSync(this.home, { recursive: true, force: true });
  }

  private graceMs(): number {
    return this.options.stopGraceMs ?? 35_000;
  }

  private slot(endpointId: string): Slot {
    let slot = this.slots.get(endpointId);
    if (!slot) {
      const restarts = new EndpointRestarts(endpointId, {
        workers: this.ctx.workers,
        now: this.ctx.now,
        log: this.log,
      });
      this.slots.set(endpointId, (slot = { target: 0, throttled: 0, restarts }));
    }
    return slot;
  }

  private managedOf(endpointId: string): ManagedWorker[] {
    return [...this.workers.values()].filter((w) => w.endpointId === endpointId);
  }

  private activeOf(endpointId: string): ManagedWorker[] {
    return this.managedOf(endpointId).filter(isActive);
  }

  private stopProcess(worker: ManagedWorker, reason: string): void {
    worker.state = WorkerState.STOPPING;
    this.log.info({ endpointId: worker.endpointId, workerId: worker.workerId, reason }, 'stopping worker');
    void worker.process.terminate(this.graceMs());
  }

  private reconcileAll(): void {
    for (const endpointId of this.slots.keys()) this.reconcile(endpointId);
  }

  private reconcile(endpointId: string): void {
    const slot = this.slot(endpointId);
    slot.throttled = 0;
    const endpoint = this.ctx.endpoint(endpointId);
    if (this.stopped || !endpoint?.worker) return;
    const missing = slot.target - this.activeOf(endpointId).length;
    if (missing <= 0) return;
    if (!slot.restarts.mayStart(() => this.reconcile(endpointId))) return;
    let started = 0;
    for (; started < missing; started++) {
      const gpus = this.pool.take(endpoint.gpuCount);
      if (!gpus) break;
      this.spawn(endpointId, endpoint, gpus);
    }
    slot.throttled = missing - started;
    if (slot.throttled > 0 && endpoint.gpuCount > this.pool.size && !slot.warnedUnplaceable) {
      slot.warnedUnplaceable = true;
      this.log.warn({ endpointId, gpuCount: endpoint.gpuCount, gpus: this.pool.size }, 'gpuCount exceeds server.gpus');
    }
  }

  private spawn(endpointId: string, endpoint: EndpointConfig, gpus: number[]): void {
    const command = endpoint.worker;
    if (!command) return;
    const workerId = `w-${randomBytes(6).toString('hex')}`;
    const token = this.options.issueToken(endpointId, workerId);
    const label = gpuLabel(gpus);
    const env = mergeEnv(
      process.env,
      command.env,
      workerEnv({
        baseUrl: this.options.baseUrl,
        endpointId,
        workerId,
        token,
        label,
        pingIntervalMs: this.options.pingIntervalMs,
        home: this.home,
        hostname: hostname(),
        gpus: endpoint.gpuCount > 0 ? gpus : undefined,
      }),
    );
    const log = this.log.child({ endpointId, workerId });
    const spawnProcess: SpawnProcess =
      this.options.spawnProcess ?? ((cmd, processLog, onLine) => new WorkerProcess(cmd, processLog, onLine));
    const proc = spawnProcess(
      { command: command.command, args: command.args, cwd: command.cwd, env },
      log,
      ({ level, jobId, message }) =>
        this.ctx.logs?.add(endpointId, {
          time: this.ctx.now(),
          level,
          workerId,
          message,
          ...(jobId === undefined ? {} : { jobId }),
        }),
    );
    const worker: ManagedWorker = {
      endpointId,
      workerId,
      token,
      process: proc,
      state: WorkerState.STARTING,
      gpus,
      label,
      startedAt: this.ctx.now(),
    };
    this.workers.set(workerId, worker);
    void proc.exited.then((exit) => {
      const handled = this.onExit(worker, exit);
      this.exiting.add(handled);
      return handled.finally(() => this.exiting.delete(handled));
    });
    void this.ctx.workers
      .recordWorker(endpointId, workerId, { label }, this.ctx.now())
      .catch((err: unknown) => log.error({ err }, 'cannot register worker'));
    log.info({ pid: proc.pid, command: command.command, gpus, label }, 'worker started');
  }

  private async onExit(worker: ManagedWorker, exit: ProcessExit): Promise<void> {
    this.workers.delete(worker.workerId);
    this.pool.give(worker.gpus);
    this.options.unregisterToken?.(worker.endpointId, worker.token);
    const deps = {
      store: this.ctx.store,
      workers: this.ctx.workers,
      logs: this.ctx.logs,
      now: this.ctx.now,
      maxReclaims: this.options.maxReclaims,
      stopping: () => this.stopped,
      log: this.log,
    };
    await settleWorkerExit(deps, worker, exit, this.slot(worker.endpointId).restarts);
    this.reconcileAll();
  }
}
