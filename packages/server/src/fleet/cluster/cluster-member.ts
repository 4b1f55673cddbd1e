// This server's membership of a fleet shared through the store: every heartbeat it advertises what it can
// host and what it runs, and takes or renews the deciding lease of each endpoint it scales (one lease per
// endpoint, competed for only by the servers whose configuration gives it a worker command). It acts as an
// endpoint's decider only while its last renewal is younger than the lease minus one heartbeat, so two
// servers never both believe they decide (the lease's expiry in the store is the referee).
//
// Per endpoint:  member ──(lease taken)──▶ decider ──(renewal failed or late)──▶ member
//          any ──(stop: lease released, advert withdrawn)──▶ stopped
import type { Logger } from 'pino';
import type { AdvertisedEndpoint, FleetRegistry, ServerAdvert } from '../../store/fleet-registry.js';

/** The name of an endpoint's deciding lease. */
export function deciderLease(endpointId: string): string {
  return `scaler:${endpointId}`;
}

export interface ClusterMemberOptions {
  serverId: string;
  baseUrl: string;
  gpus: readonly number[];
  cpuSlots: number;
  leaseMs: number;
  heartbeatMs: number;
  now: () => number;
}

/** What this server runs now, read at every heartbeat. */
export interface LocalFleetState {
  endpoints(): Record<string, AdvertisedEndpoint>;
  freeGpus(): number;
}

export class ClusterMember {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = false;
  /** Per endpoint whose lease we hold: when we last took or renewed it. */
  private readonly heldSince = new Map<string, number>();
  private known: ServerAdvert[] = [];

  constructor(
    private readonly registry: FleetRegistry,
    private readonly options: ClusterMemberOptions,
    private readonly local: LocalFleetState,
    private readonly log: Logger,
  ) {}

  get serverId(): string {
    return this.options.serverId;
  }

  /** Advertises and competes for the lease now, then every heartbeat. */
  start(): void {
    this.beatThenSchedule();
  }

  /** Holds the endpoint's lease, renewed recently enough to act on. */
  isDecider(endpointId: string): boolean {
    const heldSince = this.heldSince.get(endpointId);
    return heldSince !== undefined && this.options.now() - heldSince < this.options.leaseMs - this.options.heartbeatMs;
  }

  /** The live servers as of the last heartbeat, this one included with what it runs now. */
  servers(): ServerAdvert[] {
    return [...this.known.filter((s) => s.serverId !== this.serverId), this.advert()];
  }

  /** Reads the live servers from the store now (the decider plans from this), this one as it is now. */
  async refreshServers(): Promise<ServerAdvert[]> {
    this.known = await this.registry.listServers();
    return this.servers();
  }

  advert(): ServerAdvert {
    const { serverId, baseUrl, gpus, cpuSlots, now } = this.options;
    return {
      serverId,
      baseUrl,
      at: now(),
      gpus: [...gpus],
      freeGpus: this.local.freeGpus(),
      cpuSlots,
      endpoints: this.local.endpoints(),
    };
  }

  /** One heartbeat: advert, lease, and the list of live servers. Failures are logged and retried next beat. */
  async beat(): Promise<void> {
    const { leaseMs, serverId, now } = this.options;
    try {
      const advert = this.advert();
      await this.registry.advertise(advert, leaseMs);
      const scaled = Object.keys(advert.endpoints);
      for (const endpointId of scaled) {
        const attemptAt = now();
        const held = await this.registry.holdLease(deciderLease(endpointId), serverId, leaseMs);
        const had = this.heldSince.has(endpointId);
        if (held && !had) this.log.info({ serverId, endpointId }, 'fleet: this server now decides scaling');
        if (!held && had) this.log.warn({ serverId, endpointId }, 'fleet: deciding lease lost');
        if (held) this.heldSince.set(endpointId, attemptAt);
        else this.heldSince.delete(endpointId);
      }
      for (const endpointId of this.heldSince.keys()) {
        if (!scaled.includes(endpointId)) await this.release(endpointId);
      }
      this.known = await this.registry.listServers();
    } catch (err) {
      this.log.warn({ err, serverId }, 'fleet heartbeat failed');
    }
  }

  /** Stops the heartbeat, hands the lease on and withdraws the advert, so the others react at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.beating;
    try {
      for (const endpointId of [...this.heldSince.keys()]) await this.release(endpointId);
      await this.registry.withdraw(this.serverId);
    } catch (err) {
      this.log.warn({ err }, 'cannot withdraw from the fleet; the others notice when the advert expires');
    }
  }

  private async release(endpointId: string): Promise<void> {
    this.heldSince.delete(endpointId);
    await this.registry.releaseLease(deciderLease(endpointId), this.serverId);
  }

  private beatThenSchedule(): void {
    this.beating = this.beat().finally(() => {
      this.beating = undefined;
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.beatThenSchedule(), this.options.heartbeatMs);
    this.timer.unref();
  }
}
