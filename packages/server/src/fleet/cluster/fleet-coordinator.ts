// One endpoint's scaling when several servers share the store's fleet, run by each server's autoscaler at
// every tick. The endpoint's deciding server (its lease holder, cluster-member.ts) computes the fleet-wide target with
// the same decideScale as a lone server, from every live server's advertised workers, splits it with
// planShares and stores the plan; every server, the decider included, then carries out its own share.
import type { Logger } from 'pino';
import type { EndpointConfig } from '../../config/config-schema.js';
import type { FleetAssignment, FleetRegistry, ServerAdvert, ServerShare } from '../../store/fleet-registry.js';
import type { QueueStats } from '../../store/job-store.js';
import { decideScale, type ScalerWorker } from '../scaler-policy.js';
import type { ClusterMember } from './cluster-member.js';
import type { LocalAdvert } from './local-advert.js';
import { planShares, type PlannerServer } from './share-planner.js';

export interface FleetTickInput {
  endpointId: string;
  settings: EndpointConfig;
  now: number;
  stats: QueueStats;
  inProgress: number;
  /** This server's workers as its autoscaler sees them (idle times included). */
  local: ScalerWorker[];
}

/** A plan as the autoscaler records it among its decisions. */
export interface FleetDecision {
  at: number;
  from: number;
  to: number;
  retire: string[];
  reason: string;
  observed: FleetAssignment['observed'];
  decidedBy: string;
  shares: Record<string, ServerShare>;
}

/** What this server does for the endpoint at this tick. */
export interface FleetTickResult {
  /** Its share of the target. */
  target: number;
  retire: string[];
  why: string;
  /** Set the first time this server sees a plan that changed something. */
  decision?: FleetDecision;
}

const ACTIVE = new Set(['starting', 'ready']);

export class FleetCoordinator {
  /** The last plan applied per endpoint, so each one is recorded once. */
  private readonly seen = new Map<string, number>();
  /** Per endpoint: workers of the last plan's target that no server had room for. */
  private readonly unplacedOf = new Map<string, number>();

  constructor(
    readonly registry: FleetRegistry,
    private readonly member: ClusterMember,
    private readonly advert: LocalAdvert,
    private readonly log: Logger,
  ) {}

  get serverId(): string {
    return this.member.serverId;
  }

  async tick(input: FleetTickInput): Promise<FleetTickResult> {
    this.advert.note(input.endpointId, input.local);
    const previous = await this.registry.getAssignment(input.endpointId);
    const plan = this.member.isDecider(input.endpointId) ? await this.decide(input, previous) : previous;
    const share = plan?.shares[this.serverId];
    const result: FleetTickResult = {
      target: share?.target ?? 0,
      retire: share?.retire ?? [],
      why: share?.why ?? 'no share in the fleet plan',
    };
    const placed = Object.values(plan?.shares ?? {}).reduce((sum, s) => sum + s.target, 0);
    this.unplacedOf.set(input.endpointId, Math.max(0, (plan?.target ?? 0) - placed));
    if (plan && plan.seq !== this.seen.get(input.endpointId)) {
      this.seen.set(input.endpointId, plan.seq);
      if (plan.reason !== '') {
        const retire = Object.values(plan.shares).flatMap((s) => s.retire);
        const { at, from, target: to, reason, observed, decidedBy, shares } = plan;
        result.decision = { at, from, to, retire, reason, observed, decidedBy, shares };
      }
    }
    return result;
  }

  /** Wanted workers of the fleet-wide target that fit on no server (counted as throttled). */
  unplaced(endpointId: string): number {
    return this.unplacedOf.get(endpointId) ?? 0;
  }

  private async decide(input: FleetTickInput, previous: FleetAssignment | undefined): Promise<FleetAssignment> {
    const { endpointId, settings, now, stats } = input;
    const servers = (await this.member.refreshServers()).filter((s) => s.endpoints[endpointId] !== undefined);
    const workers = servers.flatMap((s) => fleetWorkers(s, endpointId, now));
    const from = previous?.target ?? 0;
    const decision = decideScale({
      now,
      settings,
      target: from,
      queuedNormal: stats.queuedNormal,
      inProgress: input.inProgress,
      oldestNormalQueuedAt: stats.oldestNormalQueuedAt,
      workers,
    });
    const planned = planShares({
      target: decision.target,
      retire: decision.retire,
      servers: servers.map((s) => plannerServer(s, endpointId, settings.gpuCount)),
      previous: previous?.shares ?? {},
    });
    const moved = !sameTargets(previous?.shares ?? {}, planned.shares);
    if (previous && decision.reason === '' && !moved) return previous;
    const reasons = [decision.reason || 'placement changed'];
    if (planned.unplaced > 0) reasons.push(`${planned.unplaced} worker(s) fit on no server`);
    const oldest = stats.oldestNormalQueuedAt;
    const assignment: FleetAssignment = {
      endpointId,
      seq: (previous?.seq ?? 0) + 1,
      decidedBy: this.serverId,
      at: now,
      from,
      target: decision.target,
      reason: decision.reason === '' && !moved ? '' : reasons.join('; '),
      shares: planned.shares,
      observed: {
        queued: stats.queued,
        queuedNormal: stats.queuedNormal,
        inProgress: input.inProgress,
        ...(oldest === undefined ? {} : { oldestNormalWaitMs: Math.max(0, now - oldest) }),
        workers: workers.length,
      },
    };
    await this.registry.saveAssignment(assignment);
    if (assignment.reason !== '') {
      const shares = Object.fromEntries(Object.entries(planned.shares).map(([id, s]) => [id, s.why]));
      this.log.info({ endpointId, from, to: decision.target, shares }, `fleet plan: ${assignment.reason}`);
    }
    return assignment;
  }
}

/** The server's active workers of the endpoint as the scaler sees them, idle times on the decider's clock. */
function fleetWorkers(server: ServerAdvert, endpointId: string, now: number): ScalerWorker[] {
  return (server.endpoints[endpointId]?.workers ?? [])
    .filter((w) => ACTIVE.has(w.state))
    .map((w) => ({
      workerId: w.workerId,
      starting: w.state === 'starting',
      inFlight: w.inFlight,
      ...(w.idleMs === undefined || w.inFlight > 0 ? {} : { idleSince: now - w.idleMs }),
    }));
}

/** Room on a server: its own active workers plus what its free GPUs (or CPU slots) can still host. */
export function plannerServer(server: ServerAdvert, endpointId: string, gpuCount: number): PlannerServer {
  const active = (server.endpoints[endpointId]?.workers ?? [])
    .filter((w) => ACTIVE.has(w.state))
    .map((w) => w.workerId);
  let free: number;
  if (gpuCount > 0) free = Math.floor(server.freeGpus / gpuCount);
  else {
    const cpuWorkers = Object.values(server.endpoints)
      .flatMap((e) => e.workers)
      .filter((w) => w.gpus.length === 0).length;
    free = Math.max(0, server.cpuSlots - cpuWorkers);
  }
  return { serverId: server.serverId, active, capacity: active.length + free };
}

function sameTargets(a: Record<string, ServerShare>, b: Record<string, ServerShare>): boolean {
  const ids = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const id of ids) if ((a[id]?.target ?? 0) !== (b[id]?.target ?? 0)) return false;
  return true;
}
