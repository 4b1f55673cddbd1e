// One endpoint's restart policy as the launcher applies it: the back-off before the next start after an
// unplanned exit, the crash-loop verdict (CrashLoopGuard), and the exited worker's store record kept as the
// endpoint's unhealthy mark while the crash loop lasts (counted in /health).
//
// States (CrashLoopGuard's): healthy → (quick exit) backing-off → … → crash-loop; any → (a worker ran
// HEALTHY_RUN_MS) healthy, and the unhealthy mark is removed.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { WorkerRegistry } from '../store/worker-registry.js';
import { CrashLoopGuard, CRASH_LOOP_EXITS, HEALTHY_RUN_MS } from './crash-loop.js';
import type { WorkerExit } from './launched-worker.js';
import type { ProcessExit } from './worker-process.js';

export interface EndpointRestartsDeps {
  workers: Pick<WorkerRegistry, 'recordWorker' | 'removeWorker'>;
  now: Clock;
  log: Logger;
}

export class EndpointRestarts {
  private readonly guard = new CrashLoopGuard();
  /** No worker of the endpoint starts before this time. */
  restartAt = 0;
  lastExit: WorkerExit | undefined;
  /** The exited worker whose store record stands for the crash loop. */
  private unhealthyRecord: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly endpointId: string,
    private readonly deps: EndpointRestartsDeps,
  ) {}

  get crashLoop(): boolean {
    return this.guard.crashLoop;
  }

  get quickExits(): number {
    return this.guard.consecutiveQuickExits;
  }

  /**
   * Whether a worker may start now. If not, `retry` runs once the back-off is over (one timer at a time).
   */
  mayStart(retry: () => void): boolean {
    const wait = this.restartAt - this.deps.now();
    if (wait <= 0) return true;
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      retry();
    }, wait);
    return false;
  }

  /** A ready worker started at `startedAt`: once it has run HEALTHY_RUN_MS, the endpoint is healthy again. */
  noteRunning(workerId: string, startedAt: number): void {
    if (this.deps.now() - startedAt < HEALTHY_RUN_MS || !this.guard.recovered()) return;
    this.deps.log.info({ endpointId: this.endpointId, workerId }, 'worker runs steadily: restart backoff reset');
    this.clearUnhealthyRecord();
  }

  /** Backs off before the next start; a crash loop keeps this worker's record as the endpoint's unhealthy mark. */
  async unplannedExit(workerId: string, exit: ProcessExit, livedMs: number, stderrTail: string[]): Promise<void> {
    const { workers, now, log } = this.deps;
    const endpointId = this.endpointId;
    const verdict = this.guard.exited(livedMs);
    this.restartAt = now() + verdict.restartDelayMs;
    this.lastExit = { workerId, ...exit, at: now(), livedMs, stderrTail };
    const fields = {
      endpointId,
      workerId,
      ...exit,
      livedMs,
      quickExits: verdict.quickExits,
      restartInMs: verdict.restartDelayMs,
    };
    if (!verdict.crashLoop) {
      log.warn(fields, 'worker exited unexpectedly');
      if (verdict.quickExits === 0) this.clearUnhealthyRecord();
      await workers.removeWorker(endpointId, workerId);
      return;
    }
    log.error({ ...fields, stderrTail: stderrTail.slice(-5) }, 'worker crash loop: endpoint unhealthy');
    const how = exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
    const reason = `exited ${verdict.quickExits} times in a row within ${HEALTHY_RUN_MS / 1000} s of start (last: ${how}); crash loop from ${CRASH_LOOP_EXITS}`;
    await workers.recordWorker(endpointId, workerId, { unhealthy: { check: 'crash-loop', reason } }, now());
    const previous = this.unhealthyRecord;
    this.unhealthyRecord = workerId;
    if (previous !== undefined) await workers.removeWorker(endpointId, previous);
  }

  /** The launcher stops: no start is pending any more. */
  cancel(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearUnhealthyRecord(): void {
    const id = this.unhealthyRecord;
    if (id === undefined) return;
    this.unhealthyRecord = undefined;
    void this.deps.workers
      .removeWorker(this.endpointId, id)
      .catch((err: unknown) =>
        this.deps.log.warn({ err, endpointId: this.endpointId }, 'cannot clear crash-loop record'),
      );
  }
}
