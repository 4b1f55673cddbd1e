// The fleet registry on Redis. The deciding lease is Redis's own primitive: `SET key holder NX PX ttl` takes
// it, and its holder renews it with a compare-and-set script (PEXPIRE only while the value is still its own),
// so a holder that stops renewing loses it after ttl and no consensus protocol of ours is involved. Server
// adverts are JSON strings with a PX expiry, indexed by a set that listServers prunes of expired entries.
//
//   {p}:fleet:lease:<name>         string  holder id, PX ttl
//   {p}:fleet:servers              set     server ids that advertised (pruned lazily)
//   {p}:fleet:server:<serverId>    string  ServerAdvert JSON, PX ttl
//   {p}:fleet:assignment:<ep>      string  FleetAssignment JSON of the endpoint
import type { Redis } from 'ioredis';
import type { FleetAssignment, FleetRegistry, ServerAdvert } from '../fleet-registry.js';
import { toStoreError } from './redis-connection.js';

const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export class RedisFleetRegistry implements FleetRegistry {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.base = `{${prefix}}:fleet`;
  }

  holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.call(async () => {
      const key = `${this.base}:lease:${name}`;
      const renewed = await this.redis.eval(RENEW_LEASE, 1, key, holder, String(ttlMs));
      if (renewed === 1) return true;
      return (await this.redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK';
    });
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.call(async () => {
      await this.redis.eval(RELEASE_LEASE, 1, `${this.base}:lease:${name}`, holder);
    });
  }

  leaseHolder(name: string): Promise<string | undefined> {
    return this.call(async () => (await this.redis.get(`${this.base}:lease:${name}`)) ?? undefined);
  }

  advertise(advert: ServerAdvert, ttlMs: number): Promise<void> {
    return this.call(async () => {
      await this.redis
        .multi()
        .set(this.serverKey(advert.serverId), JSON.stringify(advert), 'PX', ttlMs)
        .sadd(`${this.base}:servers`, advert.serverId)
        .exec();
    });
  }

  withdraw(serverId: string): Promise<void> {
    return this.call(async () => {
      await this.redis.multi().del(this.serverKey(serverId)).srem(`${this.base}:servers`, serverId).exec();
    });
  }

  listServers(): Promise<ServerAdvert[]> {
    return this.call(async () => {
      const ids = (await this.redis.smembers(`${this.base}:servers`)).sort();
      if (ids.length === 0) return [];
      const values = await this.redis.mget(ids.map((id) => this.serverKey(id)));
      const adverts: ServerAdvert[] = [];
      const expired: string[] = [];
      values.forEach((value, i) => {
        if (value === null) expired.push(ids[i] ?? '');
        else adverts.push(JSON.parse(value) as ServerAdvert);
      });
      // A server advertising again between the MGET and this SREM is added back by its next advert.
      if (expired.length > 0) await this.redis.srem(`${this.base}:servers`, ...expired);
      return adverts;
    });
  }

  saveAssignment(assignment: FleetAssignment): Promise<void> {
    return this.call(async () => {
      await this.redis.set(this.assignmentKey(assignment.endpointId), JSON.stringify(assignment));
    });
  }

  getAssignment(endpointId: string): Promise<FleetAssignment | undefined> {
    return this.call(async () => {
      const value = await this.redis.get(this.assignmentKey(endpointId));
      return value === null ? undefined : (JSON.parse(value) as FleetAssignment);
    });
  }

  private serverKey(serverId: string): string {
    return `${this.base}:server:${serverId}`;
  }

  private assignmentKey(endpointId: string): string {
    return `${this.base}:assignment:${endpointId}`;
  }

  private call<T>(body: () => Promise<T>): Promise<T> {
    return body().catch((error: unknown) => {
      throw toStoreError(error);
    });
  }
}
