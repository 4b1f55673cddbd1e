// Builds the `/health` object (spec §4.9) from job counts, the worker registry, and what the fleet knows
// about workers it launched but that have not spoken yet, or that it cannot start.
import type { HealthObject } from '@sluice/protocol';
import type { WorkerRecord } from '../store/job-store.js';
import type { JobContext } from './job-context.js';
import { isUnhealthy } from './worker-presence.js';

/** Unhealthy reports and lost verdicts count for this long (spec §4.9). */
const UNHEALTHY_WINDOW_MS = 10 * 60_000;

/** What the launcher and autoscaler add to the worker counts. */
export interface FleetView {
  /** Launched worker ids that have made no request yet. */
  initializing(endpointId: string): number;
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
      this.ctx.store.listWorkers(endpointId),
    ]);
    const now = this.ctx.now();
    const tally = { idle: 0, running: 0, unhealthy: 0, initializing: 0, gone: 0, draining: 0 };
    for (const worker of workers) tally[this.classify(worker, now)]++;
    const initializing = Math.max(tally.initializing, this.fleet?.initializing(endpointId) ?? 0);
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
