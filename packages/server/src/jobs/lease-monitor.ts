// Checks each ping against the jobs leased to its worker (spec §6.8, §6.6): a leased job that never shows
// up in pings was never received (requeue); one that showed up and then went missing was dropped (fail);
// a stopped job the worker still lists gets its job-stop again. History is kept per server process: each
// rule only needs pings that lack a job, and any subset of a worker's pings is evidence enough.
import type { JobRecord } from '../store/job-record.js';
import type { JobContext } from './job-context.js';

export const DROPPED_ERROR = 'worker dropped the job without reporting a result';
export const LOST_ERROR = 'worker lost';

/** Pings kept per worker: enough to see two that lack a job. */
const HISTORY = 3;

interface PingSeen {
  at: number;
  ids: Set<string>;
}

interface WorkerLeases {
  pings: PingSeen[];
  /** Leased jobs seen in at least one ping, with the count of consecutive pings that lacked them since. */
  seen: Map<string, number>;
}

export interface LeaseMonitorOptions {
  /** The ping interval workers were told; the observed gap is used when it is longer. */
  pingIntervalMs: number;
  maxReclaims: number;
}

export class LeaseMonitor {
  private readonly workers = new Map<string, WorkerLeases>();

  constructor(
    private readonly ctx: JobContext,
    private readonly options: LeaseMonitorOptions,
  ) {}

  get maxReclaims(): number {
    return this.options.maxReclaims;
  }

  async onPing(endpointId: string, workerId: string, jobIds: string[], now: number): Promise<void> {
    const state = this.stateFor(endpointId, workerId);
    const ping: PingSeen = { at: now, ids: new Set(jobIds) };
    const previous = state.pings[state.pings.length - 1];
    state.pings.push(ping);
    if (state.pings.length > HISTORY) state.pings.shift();
    const interval = Math.max(this.options.pingIntervalMs, previous ? now - previous.at : 0);

    const leased = await this.ctx.store.leasedJobs(endpointId, workerId);
    const leasedIds = new Set(leased.map((job) => job.id));
    for (const id of state.seen.keys()) if (!leasedIds.has(id)) state.seen.delete(id);
    for (const job of leased) await this.checkLeased(state, job, ping, interval, now);
    for (const id of ping.ids)
      if (!leasedIds.has(id)) await this.restopIfStopped(endpointId, workerId, id, interval, now);
  }

  prune(now: number, idleMs: number): void {
    for (const [key, state] of this.workers) {
      const last = state.pings[state.pings.length - 1];
      if (!last || now - last.at > idleMs) this.workers.delete(key);
    }
  }

  private async checkLeased(state: WorkerLeases, job: JobRecord, ping: PingSeen, interval: number, now: number) {
    const workerId = job.workerId ?? '';
    if (ping.ids.has(job.id)) {
      state.seen.set(job.id, 0);
      return;
    }
    const misses = state.seen.get(job.id);
    if (misses !== undefined) {
      state.seen.set(job.id, misses + 1);
      if (misses + 1 < 2) return;
      const outcome = await this.ctx.store.finish(
        job.endpointId,
        workerId,
        job.id,
        { status: 'FAILED', error: DROPPED_ERROR },
        now,
      );
      if (outcome.kind === 'applied') {
        this.ctx.log.warn({ endpointId: job.endpointId, workerId, jobId: job.id }, DROPPED_ERROR);
      }
      return;
    }
    const leasedAt = job.startedAt ?? now;
    const lacking = state.pings.filter((p) => p.at >= leasedAt + interval && !p.ids.has(job.id)).length;
    if (lacking < 2) return;
    await this.ctx.store.reclaim(job.endpointId, workerId, [job.id], this.options.maxReclaims, LOST_ERROR, now);
    this.ctx.log.warn(
      { endpointId: job.endpointId, workerId, jobId: job.id },
      'leased job never reached its worker; reclaimed',
    );
  }

  private async restopIfStopped(endpointId: string, workerId: string, jobId: string, interval: number, now: number) {
    const job = await this.ctx.store.get(endpointId, jobId);
    const stopped = job?.status === 'CANCELLED' || job?.status === 'TIMED_OUT' || job?.status === 'FAILED';
    if (!job || !stopped || job.finishedAt === undefined || now - job.finishedAt < interval) return;
    await this.ctx.store.requestStop(endpointId, workerId, jobId);
  }

  private stateFor(endpointId: string, workerId: string): WorkerLeases {
    const key = `${endpointId}\u0000${workerId}`;
    let state = this.workers.get(key);
    if (!state) this.workers.set(key, (state = { pings: [], seen: new Map() }));
    return state;
  }
}
