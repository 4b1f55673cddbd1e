// The FleetRegistry guarantees in memory, for unit tests of fleet/cluster: leases and adverts lapse ttlMs after
// their last write, on the clock given (default Date.now, so fake timers drive it).
import type { FleetAssignment, FleetRegistry, ServerAdvert } from '../store/fleet-registry.js';

export class MemoryFleetRegistry implements FleetRegistry {
  constructor(private readonly now: () => number = () => Date.now()) {}

  readonly leases = new Map<string, { holder: string; until: number }>();
  private readonly adverts = new Map<string, { advert: ServerAdvert; until: number }>();
  private readonly plans = new Map<string, FleetAssignment>();

  holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const lease = this.leases.get(name);
    if (lease && lease.until > this.now() && lease.holder !== holder) return Promise.resolve(false);
    this.leases.set(name, { holder, until: this.now() + ttlMs });
    return Promise.resolve(true);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
    return Promise.resolve();
  }
  leaseHolder(name: string): Promise<string | undefined> {
    const lease = this.leases.get(name);
    return Promise.resolve(lease && lease.until > this.now() ? lease.holder : undefined);
  }
  advertise(advert: ServerAdvert, ttlMs: number): Promise<void> {
    this.adverts.set(advert.serverId, { advert, until: this.now() + ttlMs });
    return Promise.resolve();
  }
  withdraw(serverId: string): Promise<void> {
    this.adverts.delete(serverId);
    return Promise.resolve();
  }
  listServers(): Promise<ServerAdvert[]> {
    return Promise.resolve([...this.adverts.values()].filter((a) => a.until > this.now()).map((a) => a.advert));
  }
  saveAssignment(assignment: FleetAssignment): Promise<void> {
    this.plans.set(assignment.endpointId, assignment);
    return Promise.resolve();
  }
  getAssignment(endpointId: string): Promise<FleetAssignment | undefined> {
    return Promise.resolve(this.plans.get(endpointId));
  }
}
