// The one loop for time-based rules: executionTimeout and ttl (spec §2.3 rows 11, 12), retention (row 16),
// and lost workers (spec §6.8). Each rule is a small function of `now`, so tests drive it with explicit times.
//
// States: idle → ticking → idle; stop() waits for a running tick, then the loop is stopped for good.
import type { JobContext } from './job-context.js';
import { announce } from './job-context.js';
import { isUnhealthy } from './worker-presence.js';

export interface ReaperOptions {
  intervalMs: number;
  /** No ping for this long: the worker is lost and its jobs are reclaimed (spec §6.8). */
  workerLostAfterMs: number;
  maxReclaims: number;
  endpointIds: () => string[];
  /** Runs at the end of each tick: in-memory bookkeeping elsewhere that must not grow for ever. */
  onTick?: (now: number) => void;
}

/** Lost or unhealthy workers are forgotten this long after the verdict (they count in /health until then). */
export const FORGET_WORKERS_AFTER_MS = 10 * 60_000;

export async function expireJobs(ctx: JobContext, now: number): Promise<number> {
  const { timedOut } = await ctx.store.expire(now);
  for (const { job, previous } of timedOut) announce(ctx, job, previous, { stopQueued: previous === 'IN_PROGRESS' });
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
    for (const worker of await ctx.store.listWorkers(endpointId)) {
      const lostByPing = worker.lastPingAt !== undefined && now - worker.lastPingAt > options.workerLostAfterMs;
      const unhealthy = isUnhealthy(worker);
      if ((lostByPing || unhealthy) && worker.inFlight > 0) {
        const error = 'worker lost';
        const jobs = await ctx.store.reclaim(endpointId, worker.workerId, 'all', options.maxReclaims, error, now);
        for (const job of jobs) announce(ctx, job, 'IN_PROGRESS');
        changed += jobs.length;
        ctx.log.warn(
          { endpointId, workerId: worker.workerId, jobs: jobs.map((j) => j.id) },
          'worker lost; jobs reclaimed',
        );
      }
      if (lostByPing && !unhealthy) {
        await ctx.store.recordWorker(
          endpointId,
          worker.workerId,
          { unhealthy: { check: 'ping', reason: 'worker lost' } },
          now,
        );
      }
      // A worker that pinged again after its verdict is back, and kept.
      const verdictAt = unhealthy || lostByPing ? worker.unhealthy?.at : undefined;
      if (verdictAt !== undefined && now - verdictAt > FORGET_WORKERS_AFTER_MS && worker.inFlight === 0) {
        await ctx.store.removeWorker(endpointId, worker.workerId);
      }
    }
  }
  return changed;
}

export class Reaper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly options: ReaperOptions,
  ) {}

  start(): void {
    this.schedule();
  }

  /** Runs every rule once at `now`. */
  async tick(now = this.ctx.now()): Promise<void> {
    await expireJobs(this.ctx, now);
    await reclaimLostWorkers(this.ctx, this.options, now);
    await trimHistory(this.ctx, now);
    this.ctx.wakeups.prune();
    this.options.onTick?.(now);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => this.ctx.log.error({ err }, 'reaper tick failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
