// Checks each ping against the jobs leased to its worker (spec §6.8, §6.6): a leased job that never shows
// up in pings was never received (requeue); one that showed up and then went missing was dropped (fail);
// a stopped job the worker still lists gets its job-stop again. The evidence (which pings listed which lease)
// is kept by the store with the ping itself, so every server sharing the store, and one that restarted,
// reaches the verdict a single long-lived server would (ADR 7).
import type { LeaseEvidence, WorkerRecord } from '../store/worker-registry.js';
import type { JobContext } from './job-context.js';

export const DROPPED_ERROR = 'worker dropped the job without reporting a result';
export const LOST_ERROR = 'worker lost';

/** Pings lacking a job that make a verdict (spec §6.8: "2 pings", "2 consecutive pings"). */
const PINGS_FOR_VERDICT = 2;

export interface LeaseMonitorOptions {
  /** The ping interval workers were told; the observed gap is used when it is longer. */
  pingIntervalMs: number;
  maxReclaims: number;
  /**
   * No verdict before this time: after a start every worker gets a full `workerLostAfterMs` to be heard
   * (spec §6.8), since pings sent while no server ran were lost, not missing. Evidence is recorded meanwhile.
   */
  verdictsFrom: number;
}

export interface HealthyPing {
  jobIds: string[];
  version?: string;
  label?: string;
}

export class LeaseMonitor {
  constructor(
    private readonly ctx: JobContext,
    private readonly options: LeaseMonitorOptions,
  ) {}

  get maxReclaims(): number {
    return this.options.maxReclaims;
  }

  /** Records a healthy ping with its evidence, then applies the verdicts it completes. */
  async onPing(endpointId: string, workerId: string, ping: HealthyPing, now: number): Promise<WorkerRecord> {
    const { worker, leases } = await this.ctx.workers.recordPing(
      endpointId,
      workerId,
      { ...ping, intervalMs: this.options.pingIntervalMs },
      now,
    );
    if (now >= this.options.verdictsFrom) for (const lease of leases) await this.judge(lease, now);
    const leased = new Set(leases.map((lease) => lease.job.id));
    for (const id of ping.jobIds) if (!leased.has(id)) await this.restopIfStopped(endpointId, workerId, id, now);
    return worker;
  }

  private async judge(lease: LeaseEvidence, now: number): Promise<void> {
    const { job } = lease;
    const workerId = job.workerId ?? '';
    const where = { endpointId: job.endpointId, workerId, jobId: job.id };
    if (lease.listed && lease.missedSinceListed >= PINGS_FOR_VERDICT) {
      const outcome = await this.ctx.store.finish(
        job.endpointId,
        workerId,
        job.id,
        { status: 'FAILED', error: DROPPED_ERROR },
        now,
      );
      if (outcome.kind === 'applied') {
        this.ctx.log.warn(where, DROPPED_ERROR);
      }
    } else if (!lease.listed && lease.lackingSinceLease >= PINGS_FOR_VERDICT) {
      const changed = await this.ctx.store.reclaim(
        job.endpointId,
        workerId,
        [job.id],
        this.options.maxReclaims,
        LOST_ERROR,
        now,
      );
      if (changed.length > 0) this.ctx.log.warn(where, 'leased job never reached its worker; reclaimed');
    }
  }

  /**
   * A ping that lists a job stopped before it means the worker still runs it: runpod-python ignores a stop
   * that arrives between its take and the start of the handler, so the stop goes out again on the worker's
   * next job-stop poll (spec §6.6 delivery, at most once per ping).
   */
  private async restopIfStopped(endpointId: string, workerId: string, jobId: string, now: number) {
    const job = await this.ctx.store.get(endpointId, jobId);
    const stopped = job?.status === 'CANCELLED' || job?.status === 'TIMED_OUT' || job?.status === 'FAILED';
    if (!job || !stopped || job.workerId !== workerId || job.finishedAt === undefined || now <= job.finishedAt) return;
    await this.ctx.workers.requestStop(endpointId, workerId, jobId);
  }
}
