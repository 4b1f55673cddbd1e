// Builds the `/health` object (spec §4.9) from job counts, the worker registry, and what the fleet knows
// about workers it launched but that have not spoken yet, or that it cannot start.
import type { HealthObject } from '@sluice/protocol';
import type { WorkerRecord } from '../store/worker-registry.js';
import type { JobContext } from './job-context.js';
import { isUnhealthy } from './worker-presence.js';

/** Unhealthy reports and lost verdicts count for this long (spec §4.9). */
const UNHEALTHY_WINDOW_MS = 10 * 60_000;

/** What the launcher and autoscaler add to the worker counts. */
export interface FleetView {
  /** Ids of launched workers the fleet has not yet seen in the store (its view lags the store's by a sync). */
  initializing(endpointId: string): string[];
  /** Starting workers of every server sharing the fleet (their adverts), or undefined for a lone server. */
  initializingFleetWide?(endpointId: string): number | undefined;
  /** Workers wanted but not startable for lack of capacity. */
  throttled(endpointId: string): number;
}

export class HealthReporter {
  constructor(
    private readonly ctx: JobContext,
    private readonly fleet: FleetView | undefined,
    /** A worker silent for longer than this is no longer counted as live. */
    private readonly liveWindowMs: number,
  ) {}

  async health(endpointId: string): Promise<HealthObject> {
    const [counts, workers] = await Promise.all([
      this.ctx.store.counts(endpointId),
      this.ctx.workers.listWorkers(endpointId),
    ]);
    const now = this.ctx.now();
    const tally = { idle: 0, running: 0, unhealthy: 0, initializing: 0, gone: 0, draining: 0 };
    for (const worker of workers) tally[this.classify(worker, now)]++;
    // Each worker is counted once: a launched worker the store already knows is counted by its store record.
    const known = new Set(workers.map((w) => w.workerId));
    const unseen = (this.fleet?.initializing(endpointId) ?? []).filter((id) => !known.has(id)).length;
    // Other servers' starting workers are known only as counts in their adverts, so a shared fleet answers at
    // least that many.
    const local = tally.initializing + unseen;
    const fleetWide = this.fleet?.initializingFleetWide?.(endpointId);
    const initializing = fleetWide === undefined ? local : Math.max(local, fleetWide);
    return {
      jobs: {
        completed: counts.completed,
        failed: counts.failed,
        inProgress: counts.inProgress,
        inQueue: counts.inQueue,
        retried: counts.retried,
      },
      workers: {
        idle: tally.idle,
        initializing,
        ready: tally.idle + tally.running,
        running: tally.running,
        throttled: this.fleet?.throttled(endpointId) ?? 0,
        unhealthy: tally.unhealthy,
      },
    };
  }

  private classify(
    worker: WorkerRecord,
    now: number,
  ): 'idle' | 'running' | 'unhealthy' | 'initializing' | 'gone' | 'draining' {
    if (isUnhealthy(worker) && now - (worker.unhealthy?.at ?? 0) < UNHEALTHY_WINDOW_MS) return 'unhealthy';
    // It sent stopPod and takes no more jobs (spec §6.2): not ready, so counted neither idle nor running.
    if (worker.draining) return 'draining';
    if (worker.lastSeenAt === undefined) return 'initializing';
    // A worker silent past the live window with nothing in flight has gone away; it is not counted.
    if (now - worker.lastSeenAt > this.liveWindowMs && worker.inFlight === 0) return 'gone';
    return worker.inFlight > 0 ? 'running' : 'idle';
  }
}
