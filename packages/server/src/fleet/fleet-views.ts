// What the admin API shows of an endpoint's fleet: its scaling settings, queue, worker counts and scaler
// decisions, and each worker (launched here or started elsewhere) with its state, GPUs and stderr tail.
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobContext } from '../jobs/job-context.js';
import { isUnhealthy } from '../jobs/worker-presence.js';
import type { WorkerRecord } from '../store/job-store.js';
import type { Autoscaler, EndpointScalerView } from './autoscaler.js';
import { WorkerState, type Launcher, type LaunchedWorker, type WorkerExit } from './launcher.js';

export interface FleetParts {
  ctx: JobContext;
  launcher: Launcher;
  autoscaler: Autoscaler;
}

export type WorkerSummaryState = 'starting' | 'idle' | 'running' | 'draining' | 'stopping' | 'unhealthy' | 'exited';

export interface WorkerSummary {
  workerId: string;
  /** Launched by this server (false: a worker started elsewhere with a worker key). */
  managed: boolean;
  pid?: number;
  state: WorkerSummaryState;
  gpus: number[];
  label?: string;
  startedAt?: number;
  lastSeenAt?: number;
  inFlight: number;
  unhealthy?: { at: number; check?: string; reason?: string };
  /** The last lines the process wrote to stderr (launched workers only). */
  stderrTail: string[];
}

export interface WorkersSummary {
  endpointId: string;
  target: number;
  throttled: number;
  crashLoop: boolean;
  quickExits: number;
  /** Set while the restart backoff holds back the next start. */
  restartAt?: number;
  /** The latest unplanned exit, with its stderr tail. */
  lastExit?: WorkerExit;
  workers: WorkerSummary[];
}

export interface EndpointSummary {
  id: string;
  settings: Pick<
    EndpointConfig,
    'workersMin' | 'workersMax' | 'idleTimeout' | 'scalerType' | 'scalerValue' | 'gpuCount'
  > & { worker: { command: string; args: string[] } | null };
  queue: { queued: number; queuedNormal: number; inProgress: number; oldestNormalWaitMs?: number };
  workers: Record<WorkerSummaryState | 'throttled' | 'external', number>;
  scaler: EndpointScalerView & { crashLoop: boolean; quickExits: number };
}

function launchedState(worker: LaunchedWorker): WorkerSummaryState {
  if (worker.record && isUnhealthy(worker.record)) return 'unhealthy';
  switch (worker.state) {
    case WorkerState.STARTING:
      return 'starting';
    case WorkerState.READY:
      return (worker.record?.inFlight ?? 0) > 0 ? 'running' : 'idle';
    case WorkerState.DRAINING:
      return 'draining';
    case WorkerState.STOPPING:
      return 'stopping';
  }
}

function recordState(record: WorkerRecord): WorkerSummaryState {
  if (record.unhealthy?.check === 'crash-loop') return 'exited';
  if (isUnhealthy(record)) return 'unhealthy';
  if (record.draining) return 'draining';
  if (record.lastSeenAt === undefined) return 'starting';
  return record.inFlight > 0 ? 'running' : 'idle';
}

export async function describeWorkers({ ctx, launcher }: FleetParts, endpointId: string): Promise<WorkersSummary> {
  const records = await ctx.store.listWorkers(endpointId);
  const launched = launcher.workersOf(endpointId);
  const slots = launcher.slotsOf(endpointId);
  const managedIds = new Set(launched.map((w) => w.workerId));
  const workers: WorkerSummary[] = launched.map((w) => ({
    workerId: w.workerId,
    managed: true,
    pid: w.pid,
    state: launchedState(w),
    gpus: w.gpus,
    label: w.label,
    startedAt: w.startedAt,
    lastSeenAt: w.record?.lastSeenAt,
    inFlight: w.record?.inFlight ?? 0,
    unhealthy: w.record?.unhealthy,
    stderrTail: w.stderrTail,
  }));
  for (const record of records) {
    if (managedIds.has(record.workerId)) continue;
    const crashed = record.unhealthy?.check === 'crash-loop';
    workers.push({
      workerId: record.workerId,
      managed: crashed,
      state: recordState(record),
      gpus: [],
      label: record.label,
      startedAt: record.firstSeenAt,
      lastSeenAt: record.lastSeenAt,
      inFlight: record.inFlight,
      unhealthy: record.unhealthy,
      stderrTail: crashed && slots.lastExit?.workerId === record.workerId ? slots.lastExit.stderrTail : [],
    });
  }
  return {
    endpointId,
    target: slots.target,
    throttled: slots.throttled,
    crashLoop: slots.crashLoop,
    quickExits: slots.quickExits,
    ...(slots.restartAt > ctx.now() ? { restartAt: slots.restartAt } : {}),
    ...(slots.lastExit ? { lastExit: slots.lastExit } : {}),
    workers,
  };
}

export async function describeEndpoint(
  parts: FleetParts,
  endpointId: string,
  settings: EndpointConfig,
): Promise<EndpointSummary> {
  const { ctx, autoscaler } = parts;
  const [stats, counts, fleet] = await Promise.all([
    ctx.store.queueStats(endpointId),
    ctx.store.counts(endpointId),
    describeWorkers(parts, endpointId),
  ]);
  const workers: EndpointSummary['workers'] = {
    starting: 0,
    idle: 0,
    running: 0,
    draining: 0,
    stopping: 0,
    unhealthy: 0,
    exited: 0,
    throttled: fleet.throttled,
    external: 0,
  };
  for (const worker of fleet.workers) {
    workers[worker.state]++;
    if (!worker.managed) workers.external++;
  }
  const oldest = stats.oldestNormalQueuedAt;
  return {
    id: endpointId,
    settings: {
      workersMin: settings.workersMin,
      workersMax: settings.workersMax,
      idleTimeout: settings.idleTimeout,
      scalerType: settings.scalerType,
      scalerValue: settings.scalerValue,
      gpuCount: settings.gpuCount,
      worker: settings.worker ? { command: settings.worker.command, args: settings.worker.args } : null,
    },
    queue: {
      queued: stats.queued,
      queuedNormal: stats.queuedNormal,
      inProgress: counts.inProgress,
      ...(oldest === undefined ? {} : { oldestNormalWaitMs: Math.max(0, ctx.now() - oldest) }),
    },
    workers,
    scaler: { ...autoscaler.view(endpointId), crashLoop: fleet.crashLoop, quickExits: fleet.quickExits },
  };
}
