// Records what workers tell about themselves: that they are alive (any request), their pings (spec §6.7),
// their GPU label, and unhealthy reports. "Seen" writes are throttled per worker to keep them off the hot path.
import type { WorkerRecord } from '../store/worker-registry.js';
import type { JobContext } from './job-context.js';
import { LOST_ERROR, type LeaseMonitor } from './lease-monitor.js';

const SEEN_WRITE_EVERY_MS = 1000;

/** An unhealthy verdict stands until the worker pings again after it (a later ping means it is back). */
export function isUnhealthy(worker: WorkerRecord): boolean {
  return worker.unhealthy !== undefined && worker.unhealthy.at >= (worker.lastPingAt ?? 0);
}

export interface PingReport {
  jobIds: string[];
  version?: string;
  unhealthy?: { check?: string; reason?: string };
}

export class WorkerPresence {
  private readonly lastWrite = new Map<string, number>();

  constructor(
    private readonly ctx: JobContext,
    private readonly leases: LeaseMonitor,
  ) {}

  /** Notes any worker request; registers an unknown worker on first sight (spec §6.1). */
  async seen(endpointId: string, workerId: string, label?: string): Promise<void> {
    const key = `${endpointId}\u0000${workerId}`;
    const now = this.ctx.now();
    const last = this.lastWrite.get(key);
    if (last !== undefined && now - last < SEEN_WRITE_EVERY_MS) return;
    this.lastWrite.set(key, now);
    await this.ctx.workers.recordWorker(endpointId, workerId, { seen: true, label }, now);
  }

  async ping(endpointId: string, workerId: string, report: PingReport, label?: string): Promise<WorkerRecord> {
    const now = this.ctx.now();
    if (!report.unhealthy) {
      return this.leases.onPing(endpointId, workerId, { jobIds: report.jobIds, version: report.version, label }, now);
    }
    const worker = await this.ctx.workers.recordWorker(
      endpointId,
      workerId,
      { seen: true, label, ping: { jobIds: report.jobIds, version: report.version }, unhealthy: report.unhealthy },
      now,
    );
    this.ctx.log.warn({ endpointId, workerId, ...report.unhealthy }, 'worker reported unhealthy');
    // It exits next (spec §6.7): what it holds is reclaimed now rather than at the next reaper pass.
    await this.ctx.store.reclaim(endpointId, workerId, 'all', this.leases.maxReclaims, LOST_ERROR, now);
    return worker;
  }

  /** Drops what is remembered of workers silent for longer than `idleMs` (they may never come back). */
  prune(now: number, idleMs: number): void {
    for (const [key, at] of this.lastWrite) if (now - at > idleMs) this.lastWrite.delete(key);
  }
}
