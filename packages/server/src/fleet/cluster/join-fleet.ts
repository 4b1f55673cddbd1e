// Joins the fleet shared through the store, when the store offers it (a FleetRegistry: Redis); a store
// without it (SQLite) serves one server, which is then the whole fleet and scales on its own.
import { availableParallelism, hostname } from 'node:os';
import type { Logger } from 'pino';
import type { JobContext } from '../../jobs/job-context.js';
import { ClusterMember } from './cluster-member.js';
import { FleetCoordinator } from './fleet-coordinator.js';
import { LocalAdvert, type AdvertisedLauncher } from './local-advert.js';

export interface SharedFleetOptions {
  serverId?: string;
  leaseMs: number;
  heartbeatMs: number;
  cpuSlots?: number;
}

export interface SharedFleet {
  member: ClusterMember;
  coordinator: FleetCoordinator;
  advert: LocalAdvert;
}

/** The default name: this machine plus the address its workers use, unique per server process. */
export function defaultServerId(baseUrl: string): string {
  return `${hostname()}/${new URL(baseUrl).host}`;
}

export function joinFleet(
  ctx: JobContext,
  launcher: AdvertisedLauncher,
  options: SharedFleetOptions & { baseUrl: string; gpus: readonly number[] },
  log: Logger,
): SharedFleet | undefined {
  const registry = ctx.workers.fleet;
  if (!registry) return undefined;
  const now = () => ctx.now();
  const serverId = options.serverId ?? defaultServerId(options.baseUrl);
  const advert = new LocalAdvert(launcher, now);
  const member = new ClusterMember(
    registry,
    {
      serverId,
      baseUrl: options.baseUrl,
      gpus: options.gpus,
      cpuSlots: options.cpuSlots ?? availableParallelism(),
      leaseMs: options.leaseMs,
      heartbeatMs: options.heartbeatMs,
      now,
    },
    advert,
    log,
  );
  const coordinator = new FleetCoordinator(registry, member, advert, log);
  log.info({ serverId, leaseMs: options.leaseMs }, 'fleet: joined the servers sharing this store');
  return { member, coordinator, advert };
}
