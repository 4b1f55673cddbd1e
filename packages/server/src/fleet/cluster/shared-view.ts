// What the admin API and /health show of a fleet shared by several servers: every live server with its
// GPUs and its share of the endpoint, the deciding server, and the workers other servers launched.
import type { AdvertisedWorker, ServerAdvert } from '../../store/fleet-registry.js';
import { deciderLease } from './cluster-member.js';
import type { SharedFleet } from './join-fleet.js';

export interface FleetServerSummary {
  serverId: string;
  baseUrl: string;
  /** Holds the deciding lease. */
  decider: boolean;
  gpus: number[];
  freeGpus: number;
  /** Its share of the endpoint's target in the current plan. */
  share: number;
  /** Its launched workers of the endpoint, any state. */
  workers: number;
}

export interface SharedFleetSummary {
  /** The server answering. */
  server: string;
  decider?: string;
  /** Fleet-wide target of the current plan. */
  fleetTarget: number;
  servers: FleetServerSummary[];
}

/** A worker another server launched, found in its advert. */
export interface RemoteWorker {
  serverId: string;
  worker: AdvertisedWorker;
}

export async function sharedFleetSummary(
  { member, coordinator }: SharedFleet,
  endpointId: string,
): Promise<{ summary: SharedFleetSummary; remote: Map<string, RemoteWorker> }> {
  const registry = coordinator.registry;
  const [decider, plan] = await Promise.all([
    registry.leaseHolder(deciderLease(endpointId)),
    registry.getAssignment(endpointId),
  ]);
  const servers = member.servers();
  const remote = new Map<string, RemoteWorker>();
  for (const s of servers) {
    if (s.serverId === member.serverId) continue;
    for (const worker of s.endpoints[endpointId]?.workers ?? [])
      remote.set(worker.workerId, { serverId: s.serverId, worker });
  }
  return {
    summary: {
      server: member.serverId,
      ...(decider === undefined ? {} : { decider }),
      fleetTarget: plan?.target ?? 0,
      servers: servers
        .filter((s) => s.endpoints[endpointId] !== undefined)
        .map((s) => ({
          serverId: s.serverId,
          baseUrl: s.baseUrl,
          decider: s.serverId === decider,
          gpus: s.gpus,
          freeGpus: s.freeGpus,
          share: plan?.shares[s.serverId]?.target ?? 0,
          workers: s.endpoints[endpointId]?.workers.length ?? 0,
        })),
    },
    remote,
  };
}

/** Sum of one per-endpoint count over every live server (this one as it is now). */
export function fleetCount(servers: ServerAdvert[], endpointId: string, what: 'initializing' | 'throttled'): number {
  return servers.reduce((sum, s) => sum + (s.endpoints[endpointId]?.[what] ?? 0), 0);
}
