// The one loop for time-based rules: executionTimeout and ttl (spec §2.3 rows 11, 12), retention (row 16),
// and lost workers (spec §6.8). Each rule is a small function of `now`, so tests drive it with explicit times.
// Its timer is a PeriodicLoop.
import type { JobContext } from './job-context.js';
import { LOST_ERROR } from './lease-monitor.js';
import { PeriodicLoop } from './periodic-loop.js';
import { isUnhealthy } from './worker-presence.js';
import { logFailure } from './outage-log.js';

export interface ReaperOptions {
  intervalMs: number;
  /** No ping for this long: the worker is lost and its jobs are reclaimed (spec §6.8). */
  workerLostAfterMs: number;
  /**
   * When this server started. Silence before it does not count (spec §6.8): pings sent while no server ran
   * were lost, so every worker gets a full `workerLostAfterMs` from the start to be heard.
   */
  startedAt: number;
  maxReclaims: number;
  endpointIds: () => string[];
  /** Runs at the end of each tick: in-memory bookkeeping elsewhere that must not grow for ever. */
  onTick?: (now: number) => void;
}

/** Lost or unhealthy workers are forgotten this long after the verdict (they count in /health until then). */
export const FORGET_WORKERS_AFTER_MS = 10 * 60_000;

export async function expireJobs(ctx: JobContext, now: number): Promise<number> {
  const { timedOut } = await ctx.store.expire(now);
  return timedOut.length;
}

/** Records history may drop at one tick; the rest wait for the next. */
const HISTORY_TRIM_STEP = 1000;

/** Drops job history past historyRetention with the logs of those jobs, and logs past their retention. */
export async function trimHistory(ctx: JobContext, now: number): Promise<number> {
  const dropped = (await ctx.history?.trim(now, HISTORY_TRIM_STEP)) ?? [];
  const byEndpoint = new Map<string, string[]>();
  for (const { endpointId, id } of dropped) byEndpoint.set(endpointId, [...(byEndpoint.get(endpointId) ?? []), id]);
  for (const [endpointId, ids] of byEndpoint) await ctx.logs?.store.dropJobs(endpointId, ids);
  await ctx.logs?.store.trim(now);
  return dropped.length;
}

/** Reclaims the jobs of workers that stopped pinging or reported unhealthy, then forgets old ones. */
export async function reclaimLostWorkers(ctx: JobContext, options: ReaperOptions, now: number): Promise<number> {
  let changed = 0;
  for (const endpointId of options.endpointIds()) {
    for (const worker of await ctx.workers.listWorkers(endpointId)) {
      const heardAt = worker.lastPingAt === undefined ? undefined : Math.max(worker.lastPingAt, options.startedAt);
      const lostByPing = heardAt !== undefined && now - heardAt > options.workerLostAfterMs;
      const unhealthy = isUnhealthy(worker);
      if ((lostByPing || unhealthy) && worker.inFlight > 0) {
        const jobs = await ctx.store.reclaim(endpointId, worker.workerId, 'all', options.maxReclaims, LOST_ERROR, now);
        changed += jobs.length;
        ctx.log.warn(
          { endpointId, workerId: worker.workerId, jobs: jobs.map((j) => j.id) },
          'worker lost; jobs reclaimed',
        );
      }
      if (lostByPing && !unhealthy) {
        await ctx.workers.recordWorker(
          endpointId,
          worker.workerId,
          { unhealthy: { check: 'ping', reason: LOST_ERROR } },
          now,
        );
      }
      // A worker that pinged again after its verdict is back, and kept.
      const verdictAt = unhealthy || lostByPing ? worker.unhealthy?.at : undefined;
      if (verdictAt !== undefined && now - verdictAt > FORGET_WORKERS_AFTER_MS && worker.inFlight === 0) {
        await ctx.workers.removeWorker(endpointId, worker.workerId);
      }
    }
  }
  return changed;
}

export class Reaper {
  private readonly loop: PeriodicLoop;

  constructor(
    private readonly ctx: JobContext,
    private readonly options: ReaperOptions,
  ) {
    this.loop = new PeriodicLoop({
      everyMs: options.intervalMs,
      // A tick that went through ends a store outage the log is in.
      run: () => this.tick().then(() => this.ctx.outages?.recovered()),
      onError: (err) => logFailure(this.ctx.outages, this.ctx.log, err, 'reaper tick failed'),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Runs every rule once at `now`. */
  async tick(now = this.ctx.now()): Promise<void> {
    await expireJobs(this.ctx, now);
    await reclaimLostWorkers(this.ctx, this.options, now);
    await trimHistory(this.ctx, now);
    this.ctx.wakeups.prune();
    this.options.onTick?.(now);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
