import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryFleetRegistry } from '../../testing/memory-fleet-registry.js';
import { ClusterMember, deciderLease, type LocalFleetState } from './cluster-member.js';

const local: LocalFleetState = {
  endpoints: () => ({ gen: { workers: [], throttled: 0, initializing: 0 } }),
  freeGpus: () => 2,
};

describe('ClusterMember', () => {
  let registry: MemoryFleetRegistry;
  const members: ClusterMember[] = [];
  const member = (serverId: string) => {
    const m = new ClusterMember(
      registry,
      {
        serverId,
        baseUrl: `http://${serverId}`,
        gpus: [0, 1],
        cpuSlots: 2,
        leaseMs: 2000,
        heartbeatMs: 500,
        now: Date.now,
      },
      local,
      pino({ level: 'silent' }),
    );
    members.push(m);
    return m;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    registry = new MemoryFleetRegistry();
  });
  afterEach(async () => {
    for (const m of members.splice(0)) await m.stop();
    vi.useRealTimers();
  });

  it('advertises, and lets exactly one server decide each endpoint it scales', async () => {
    const a = member('a');
    const b = member('b');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    b.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.isDecider('gen')).toBe(true);
    expect(b.isDecider('gen')).toBe(false);
    expect(a.isDecider('other')).toBe(false);
    expect((await a.refreshServers()).map((s) => s.serverId).sort()).toEqual(['a', 'b']);
  });

  it('hands the decision on after the lease lapses when the decider stops renewing', async () => {
    const a = member('a');
    const b = member('b');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    b.start();
    await vi.advanceTimersByTimeAsync(600);
    expect(a.isDecider('gen')).toBe(true);
    // From now on a cannot reach the store (a network partition, a frozen process).
    const hold = registry.holdLease.bind(registry);
    vi.spyOn(registry, 'holdLease').mockImplementation((name, holder, ttlMs) =>
      holder === 'a' ? Promise.reject(new Error('unreachable')) : hold(name, holder, ttlMs),
    );
    // a stops acting one heartbeat before its lease can lapse; b cannot take it yet.
    await vi.advanceTimersByTimeAsync(1500);
    expect(a.isDecider('gen')).toBe(false);
    expect(b.isDecider('gen')).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(b.isDecider('gen')).toBe(true);
    expect(await registry.leaseHolder(deciderLease('gen'))).toBe('b');
  });

  it('releases its leases and withdraws its advert when it stops, so another decides at once', async () => {
    const a = member('a');
    const b = member('b');
    a.start();
    await vi.advanceTimersByTimeAsync(0);
    b.start();
    await vi.advanceTimersByTimeAsync(100);
    await a.stop();
    expect(await registry.leaseHolder(deciderLease('gen'))).toBeUndefined();
    await vi.advanceTimersByTimeAsync(500);
    expect(b.isDecider('gen')).toBe(true);
    expect((await b.refreshServers()).map((s) => s.serverId)).toEqual(['b']);
  });
});
