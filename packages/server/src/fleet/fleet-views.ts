// What the admin API shows of an endpoint's fleet: its scaling settings, queue, worker counts and scaler
// decisions, and each worker (launched here or started elsewhere) with its state, GPUs and stderr tail.
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobContext } from '../jobs/job-context.js';
import { isUnhealthy } from '../jobs/worker-presence.js';
import type { WorkerRecord } from '../store/worker-registry.js';
import type { Autoscaler, EndpointScalerView } from './autoscaler.js';
import type { SharedFleet } from './cluster/join-fleet.js';
import { sharedFleetSummary, type RemoteWorker, type SharedFleetSummary } from './cluster/shared-view.js';
import { WorkerState, type Launcher, type LaunchedWorker, type WorkerExit } from './launcher.js';

export interface FleetParts {
  ctx: JobContext;
  launcher: Launcher;
  autoscaler: Autoscaler;
  /** Present when several servers share the fleet through the store. */
  shared?: SharedFleet;
}

export type WorkerSummaryState = 'starting' | 'idle' | 'running' | 'draining' | 'stopping' | 'unhealthy' | 'exited';

export interface WorkerSummary {
  workerId: string;
  /** Launched by a Sluice server: this one, or another of a shared fleet (false: started elsewhere with a worker key). */
  managed: boolean;
  /** The server that launched it (shared fleet only). */
  server?: string;
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
  /** Shared fleet only: every server, its share, and the deciding server. `target` above is this server's share. */
  fleet?: SharedFleetSummary;
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

/** A worker another server of the shared fleet launched: its store record when it has one, else its advert. */
function remoteSummary(remote: RemoteWorker, record: WorkerRecord | undefined): WorkerSummary {
  const { worker, serverId } = remote;
  const leaving = worker.state === 'draining' || worker.state === 'stopping' ? worker.state : undefined;
  return {
    workerId: worker.workerId,
    managed: true,
    server: serverId,
    ...(worker.pid === undefined ? {} : { pid: worker.pid }),
    state: leaving ?? (record ? recordState(record) : 'starting'),
    gpus: worker.gpus,
    label: record?.label,
    startedAt: worker.startedAt,
    lastSeenAt: record?.lastSeenAt,
    inFlight: record?.inFlight ?? worker.inFlight,
    unhealthy: record?.unhealthy,
    stderrTail: [],
  };
}

export async function describeWorkers(
  { ctx, launcher, shared }: FleetParts,
  endpointId: string,
): Promise<WorkersSummary> {
  const [records, fleet] = await Promise.all([
    ctx.workers.listWorkers(endpointId),
    shared ? sharedFleetSummary(shared, endpointId) : undefined,
  ]);
  const launched = launcher.workersOf(endpointId);
  const slots = launcher.slotsOf(endpointId);
  const managedIds = new Set(launched.map((w) => w.workerId));
  const workers: WorkerSummary[] = launched.map((w) => ({
    workerId: w.workerId,
    managed: true,
    ...(fleet ? { server: fleet.summary.server } : {}),
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
    const remote = fleet?.remote.get(record.workerId);
    if (remote) {
      workers.push(remoteSummary(remote, record));
      fleet?.remote.delete(record.workerId);
      continue;
    }
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
  // Launched by another server but not yet in the store.
  for (const remote of fleet?.remote.values() ?? []) workers.push(remoteSummary(remote, undefined));
  return {
    endpointId,
    target: slots.target,
    throttled: slots.throttled,
    crashLoop: slots.crashLoop,
    quickExits: slots.quickExits,
    ...(slots.restartAt > ctx.now() ? { restartAt: slots.restartAt } : {}),
    ...(slots.lastExit ? { lastExit: slots.lastExit } : {}),
    workers,
    ...(fleet ? { fleet: fleet.summary } : {}),
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
