// This server's membership of a fleet shared through the store: every heartbeat it advertises what it can
// host and what it runs, and takes or renews the deciding lease. It acts as the decider only while its last
// renewal is younger than the lease minus one heartbeat, so two servers never both believe they decide
// (the lease's own expiry in the store is the referee; our margin absorbs one slow renewal).
//
// States:  member ──(lease taken)──▶ decider ──(renewal failed or late)──▶ member
//          any ──(stop: lease released, advert withdrawn)──▶ stopped
import type { Logger } from 'pino';
import type { AdvertisedEndpoint, FleetRegistry, ServerAdvert } from '../../store/fleet-registry.js';

/** The one lease name: a single decider scales every endpoint (so plans for different endpoints agree). */
export const DECIDER_LEASE = 'scaler';

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
  /** When the lease was last taken or renewed by us; undefined while another server holds it. */
  private heldSince: number | undefined;
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

  /** Holds a lease young enough to act on. */
  isDecider(): boolean {
    const { heldSince } = this;
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
      await this.registry.advertise(this.advert(), leaseMs);
      const attemptAt = now();
      const held = await this.registry.holdLease(DECIDER_LEASE, serverId, leaseMs);
      if (held && this.heldSince === undefined) this.log.info({ serverId }, 'fleet: this server now decides scaling');
      if (!held && this.heldSince !== undefined) this.log.warn({ serverId }, 'fleet: deciding lease lost');
      this.heldSince = held ? attemptAt : undefined;
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
    const wasDecider = this.heldSince !== undefined;
    this.heldSince = undefined;
    try {
      if (wasDecider) await this.registry.releaseLease(DECIDER_LEASE, this.serverId);
      await this.registry.withdraw(this.serverId);
    } catch (err) {
      this.log.warn({ err }, 'cannot withdraw from the fleet; the others notice when the advert expires');
    }
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
