// What a launched worker's exit does, once its process is gone: its log followers end, the jobs it held go
// back (its process is gone, so there is no need to wait for missed pings), and its store record goes, unless
// the exit was unplanned, where the endpoint's restart policy takes over (back-off, crash-loop mark).
// A planned exit: the launcher is stopping, the worker was draining or stopping, or it sent stopPod and left.
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JobLogs } from '../jobs/job-logs.js';
import { LOST_ERROR } from '../jobs/lease-monitor.js';
import type { JobStore } from '../store/job-store.js';
import type { WorkerRegistry } from '../store/worker-registry.js';
import type { EndpointRestarts } from './endpoint-restarts.js';
import { isActive, type ManagedWorker } from './launched-worker.js';
import type { ProcessExit } from './worker-process.js';

export interface WorkerExitDeps {
  store: Pick<JobStore, 'reclaim'>;
  workers: Pick<WorkerRegistry, 'getWorker' | 'removeWorker'>;
  logs?: Pick<JobLogs, 'endWorker'>;
  now: Clock;
  maxReclaims: number;
  /** The launcher is stopping: every exit is planned. Asked after the store answered, not before. */
  stopping(): boolean;
  log: Logger;
}

export async function settleWorkerExit(
  deps: WorkerExitDeps,
  worker: ManagedWorker,
  exit: ProcessExit,
  restarts: EndpointRestarts,
): Promise<void> {
  const { store, workers, now } = deps;
  const { endpointId, workerId } = worker;
  const log = deps.log.child({ endpointId, workerId });
  const livedMs = now() - worker.startedAt;
  // Its output is closed: its log followers can stop once its last lines are stored.
  await deps.logs?.endWorker(endpointId, workerId, now());
  try {
    const record = await workers.getWorker(endpointId, workerId);
    // A worker that sent stopPod and left by itself (refresh_worker) did what was asked of it.
    const planned = deps.stopping() || !isActive(worker) || record?.draining === true;
    await store.reclaim(endpointId, workerId, 'all', deps.maxReclaims, LOST_ERROR, now());
    if (planned) {
      log.info({ ...exit, livedMs }, 'worker exited');
      await workers.removeWorker(endpointId, workerId);
    } else {
      await restarts.unplannedExit(workerId, exit, livedMs, worker.process.stderrTail());
    }
  } catch (err) {
    log.error({ err }, 'cannot reclaim jobs of exited worker');
  }
}
