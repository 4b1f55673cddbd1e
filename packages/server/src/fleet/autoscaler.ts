// The autoscaler: once a second, for every endpoint with a worker command, reads the queue and the workers,
// decides the endpoint's target with decideScale (scaler-policy.ts), hands it to the launcher and retires the
// workers it picked. Each decision is logged with its reason and kept for the admin API. When servers share
// the fleet (fleet/cluster), the endpoint's deciding server makes that decision fleet-wide and this server's
// target is its share of the plan.
//
// Per endpoint (re-evaluated at every tick; `removed` is final):
//   zero ──(normal job queued)──▶ scaling-up ──(every wanted worker started and ready)──▶ steady
//   steady ──(queue delay or request count over scalerValue)──▶ scaling-up
//   steady ──(workers idle past idleTimeout, above the floor)──▶ scaling-down ──(they exited)──▶ steady | zero
//   scaling-up ──(no free GPUs)──▶ throttled ──(GPUs freed)──▶ scaling-up
//   any ──(CRASH_LOOP_EXITS quick exits)──▶ crash-loop ──(a worker runs 30 s)──▶ steady
//   any ──(endpoint removed by a reload)──▶ removed
import type { Logger } from 'pino';
import type { JobContext } from '../jobs/job-context.js';
import { PeriodicLoop } from '../jobs/periodic-loop.js';
import type { JobRecord } from '../store/job-record.js';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobCounts, QueueStats } from '../store/job-store.js';
import type { WorkerRecord } from '../store/worker-registry.js';
import { WorkerState, type EndpointSlots, type LaunchedWorker } from './launcher.js';
import { decideScale, type ScalerWorker } from './scaler-policy.js';
import { logFailure } from '../jobs/outage-log.js';
import type { FleetCoordinator } from './cluster/fleet-coordinator.js';
import type { ServerShare } from '../store/fleet-registry.js';

export const ScalerState = {
  ZERO: 'zero',
  SCALING_UP: 'scaling-up',
  STEADY: 'steady',
  SCALING_DOWN: 'scaling-down',
  THROTTLED: 'throttled',
  CRASH_LOOP: 'crash-loop',
  REMOVED: 'removed',
} as const;
export type ScalerState = (typeof ScalerState)[keyof typeof ScalerState];

/** What the autoscaler needs of the launcher (a fake in unit tests). */
export interface ScalableFleet {
  sync(endpointId: string, records: WorkerRecord[]): void;
  workersOf(endpointId: string): LaunchedWorker[];
  slotsOf(endpointId: string): EndpointSlots;
  setTarget(endpointId: string, count: number): void;
  retire(workerId: string, reason: string): Promise<void>;
  removeEndpoint(endpointId: string): Promise<void>;
}

export interface ScalerDecisionRecord {
  at: number;
  from: number;
  to: number;
  retire: string[];
  reason: string;
  /** What the decision was made from. */
  observed: { queued: number; queuedNormal: number; inProgress: number; oldestNormalWaitMs?: number; workers: number };
  /** Fleet shared by several servers: the server that made the plan, and each server's share and why. */
  decidedBy?: string;
  shares?: Record<string, ServerShare>;
}

export interface EndpointScalerView {
  state: ScalerState;
  target: number;
  lastTickAt?: number;
  /** Latest last. */
  decisions: ScalerDecisionRecord[];
}

export interface AutoscalerOptions {
  /** Tick period; default 1000 ms. */
  tickMs?: number;
  /** Endpoint ids to scale (those with a worker command), read at every tick. */
  endpointIds: () => string[];
  /** Present when the store's fleet is shared by several servers: targets come from its plan. */
  fleet?: FleetCoordinator;
}

/** Decisions kept per endpoint for the admin API. */
const DECISIONS_KEPT = 20;
/** The longest idleTimeout (24 h) and then some. */
const BUSY_KEPT_MS = 25 * 3600_000;

interface EndpointScaler {
  /** Left the configuration (until it comes back); every other state is read live from the launcher. */
  removed: boolean;
  lastTickAt?: number;
  decisions: ScalerDecisionRecord[];
  /** When each worker was first seen ready. */
  readyAt: Map<string, number>;
}

export class Autoscaler {
  private readonly endpoints = new Map<string, EndpointScaler>();
  /** Last time each worker was seen with a job in flight, or finished one (onTerminal). */
  private readonly busyAt = new Map<string, number>();
  /** Endpoints whose cold start asked for a tick that has not reached them yet (one ask per tick). */
  private readonly coldStarts = new Set<string>();
  private readonly loop: PeriodicLoop;
  private stopped = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly fleet: ScalableFleet,
    private readonly options: AutoscalerOptions,
    private readonly log: Logger,
  ) {
    this.loop = new PeriodicLoop({
      everyMs: options.tickMs ?? 1000,
      run: () => this.tick(),
      onError: (err) => logFailure(this.ctx.outages, this.log, err, 'autoscaler tick failed'),
    });
  }

  /** Ticks now, then every tickMs. */
  start(): void {
    this.loop.start({ immediately: true });
  }

  /** Runs a tick as soon as the current one (if any) is done: after a settings change, say. */
  tickSoon(): void {
    this.loop.soon();
  }

  /**
   * A job entered the queue. At an endpoint with no worker, nothing can take it before a worker starts, and the
   * periodic tick would add up to tickMs to that cold start: tick now. Everything else (scaling an endpoint that
   * has workers, low-priority jobs, which never start one) waits for the next tick, so a stream of /run costs
   * no tick. A fleet shared by several servers is planned by its deciding server, on its own ticks.
   */
  noteQueued(job: JobRecord): void {
    if (this.stopped || this.options.fleet || job.lowPriority) return;
    const { endpointId } = job;
    const settings = this.ctx.endpoint(endpointId);
    if (!settings?.worker || settings.workersMax === 0 || this.coldStarts.has(endpointId)) return;
    if (this.fleet.slotsOf(endpointId).target !== 0) return;
    this.coldStarts.add(endpointId);
    this.loop.soon();
  }

  /** A job of this worker just ended: it was busy until now, even if no tick saw it in flight. */
  noteTerminal(job: JobRecord): void {
    if (job.workerId !== undefined) this.busyAt.set(job.workerId, this.ctx.now());
  }

  /** Evaluates every endpoint once. */
  async tick(): Promise<void> {
    // Older than any idleTimeout: forgetting it can only make a worker look idle for longer, which it is.
    const forgetBefore = this.ctx.now() - BUSY_KEPT_MS;
    for (const [workerId, at] of this.busyAt) if (at < forgetBefore) this.busyAt.delete(workerId);
    for (const endpointId of this.options.endpointIds()) {
      if (this.stopped) return;
      try {
        await this.tickEndpoint(endpointId);
      } catch (err) {
        logFailure(this.ctx.outages, this.log.child({ endpointId }), err, 'autoscaler tick failed for endpoint');
      }
    }
  }

  /** The endpoint left the configuration (or lost its worker command): its workers stop, it is no longer scaled. */
  async remove(endpointId: string, reason: string): Promise<void> {
    const scaler = this.scaler(endpointId);
    scaler.removed = true;
    this.record(endpointId, scaler, {
      at: this.ctx.now(),
      from: this.fleet.slotsOf(endpointId).target,
      to: 0,
      retire: this.fleet.workersOf(endpointId).map((w) => w.workerId),
      reason,
      observed: { queued: 0, queuedNormal: 0, inProgress: 0, workers: this.fleet.workersOf(endpointId).length },
    });
    await this.fleet.removeEndpoint(endpointId);
  }

  view(endpointId: string): EndpointScalerView {
    const scaler = this.scaler(endpointId);
    const target = this.fleet.slotsOf(endpointId).target;
    return {
      state: scaler.removed ? ScalerState.REMOVED : this.stateOf(endpointId, target),
      target,
      lastTickAt: scaler.lastTickAt,
      decisions: [...scaler.decisions],
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
  }

  private scaler(endpointId: string): EndpointScaler {
    let scaler = this.endpoints.get(endpointId);
    if (!scaler) {
      scaler = { removed: false, decisions: [], readyAt: new Map() };
      this.endpoints.set(endpointId, scaler);
    }
    return scaler;
  }

  private async tickEndpoint(endpointId: string): Promise<void> {
    this.coldStarts.delete(endpointId);
    const settings = this.ctx.endpoint(endpointId);
    if (!settings?.worker) return;
    const { store, workers: registry } = this.ctx;
    const scaler = this.scaler(endpointId);
    const [records, stats, counts] = await Promise.all([
      registry.listWorkers(endpointId),
      store.queueStats(endpointId),
      store.counts(endpointId),
    ]);
    const now = this.ctx.now();
    scaler.lastTickAt = now;
    scaler.removed = false;
    this.fleet.sync(endpointId, records);
    const launched = this.fleet.workersOf(endpointId);
    const workers = this.scalerWorkers(scaler, launched, now);
    if (this.options.fleet) {
      await this.applyFleetShare(this.options.fleet, endpointId, scaler, { settings, now, stats, counts, workers });
      return;
    }
    const from = this.fleet.slotsOf(endpointId).target;
    const decision = decideScale({
      now,
      settings,
      target: from,
      queuedNormal: stats.queuedNormal,
      inProgress: counts.inProgress,
      oldestNormalQueuedAt: stats.oldestNormalQueuedAt,
      workers,
    });
    if (decision.reason !== '') {
      const oldest = stats.oldestNormalQueuedAt;
      this.record(endpointId, scaler, {
        at: now,
        from,
        to: decision.target,
        retire: decision.retire,
        reason: decision.reason,
        observed: {
          queued: stats.queued,
          queuedNormal: stats.queuedNormal,
          inProgress: counts.inProgress,
          ...(oldest === undefined ? {} : { oldestNormalWaitMs: Math.max(0, now - oldest) }),
          workers: workers.length,
        },
      });
    }
    this.fleet.setTarget(endpointId, decision.target);
    for (const workerId of decision.retire) await this.fleet.retire(workerId, `autoscaler: ${decision.reason}`);
  }

  /** Several servers share the fleet: this server carries out its share of the plan (fleet/cluster). */
  private async applyFleetShare(
    coordinator: FleetCoordinator,
    endpointId: string,
    scaler: EndpointScaler,
    tick: { settings: EndpointConfig; now: number; stats: QueueStats; counts: JobCounts; workers: ScalerWorker[] },
  ): Promise<void> {
    const { settings, now, stats, counts, workers } = tick;
    const share = await coordinator.tick({
      endpointId,
      settings,
      now,
      stats,
      inProgress: counts.inProgress,
      local: workers,
    });
    if (share.decision) this.record(endpointId, scaler, share.decision);
    this.fleet.setTarget(endpointId, share.target);
    for (const workerId of share.retire) await this.fleet.retire(workerId, `fleet plan: ${share.why}`);
  }

  /** The launched workers that count toward the target, with how long each has been idle. */
  private scalerWorkers(scaler: EndpointScaler, launched: LaunchedWorker[], now: number): ScalerWorker[] {
    const present = new Set(launched.map((w) => w.workerId));
    for (const id of scaler.readyAt.keys()) {
      if (!present.has(id)) {
        scaler.readyAt.delete(id);
        this.busyAt.delete(id);
      }
    }
    const workers: ScalerWorker[] = [];
    for (const w of launched) {
      if (w.state !== WorkerState.STARTING && w.state !== WorkerState.READY) continue;
      const inFlight = w.record?.inFlight ?? 0;
      if (w.state === WorkerState.STARTING) {
        workers.push({ workerId: w.workerId, starting: true, inFlight });
        continue;
      }
      if (!scaler.readyAt.has(w.workerId)) scaler.readyAt.set(w.workerId, now);
      if (inFlight > 0) this.busyAt.set(w.workerId, now);
      const idleSince = Math.max(scaler.readyAt.get(w.workerId) ?? now, this.busyAt.get(w.workerId) ?? 0);
      workers.push({ workerId: w.workerId, starting: false, inFlight, ...(inFlight > 0 ? {} : { idleSince }) });
    }
    return workers;
  }

  private stateOf(endpointId: string, target: number): ScalerState {
    const slots = this.fleet.slotsOf(endpointId);
    const launched = this.fleet.workersOf(endpointId);
    const active = launched.filter((w) => w.state === WorkerState.STARTING || w.state === WorkerState.READY);
    if (slots.crashLoop) return ScalerState.CRASH_LOOP;
    if (slots.throttled > 0) return ScalerState.THROTTLED;
    if (launched.some((w) => w.state === WorkerState.STOPPING)) return ScalerState.SCALING_DOWN;
    if (active.length < target || active.some((w) => w.state === WorkerState.STARTING)) return ScalerState.SCALING_UP;
    if (target === 0 && launched.length === 0) return ScalerState.ZERO;
    return ScalerState.STEADY;
  }

  private record(endpointId: string, scaler: EndpointScaler, decision: ScalerDecisionRecord): void {
    scaler.decisions.push(decision);
    if (scaler.decisions.length > DECISIONS_KEPT) scaler.decisions.shift();
    this.log.info(
      {
        endpointId,
        from: decision.from,
        to: decision.to,
        retire: decision.retire,
        ...decision.observed,
        ...(decision.decidedBy === undefined ? {} : { decidedBy: decision.decidedBy }),
      },
      `autoscaler: ${decision.reason}`,
    );
  }
}
