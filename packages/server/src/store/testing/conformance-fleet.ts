// Conformance of the optional FleetRegistry capability (store/fleet-registry.ts), for every store that has
// it. Lease and advert expiry run on the store's own clock, so those tests use short ttls and wait for the
// observable outcome (the lease granted to another holder, the advert gone) with generous bounds.
import { describe, expect, it } from 'vitest';
import type { FleetAssignment, FleetRegistry, ServerAdvert } from '../fleet-registry.js';
import type { OpenSluiceStore } from './conformance-support.js';

const LEASE = 'scaler';

function advert(serverId: string, freeGpus = 2): ServerAdvert {
  return {
    serverId,
    baseUrl: `http://${serverId}:8080`,
    at: 1,
    gpus: [0, 1],
    freeGpus,
    cpuSlots: 4,
    endpoints: {
      gen: {
        workers: [{ workerId: `${serverId}-w1`, state: 'ready', gpus: [0], startedAt: 1, inFlight: 0, idleMs: 500 }],
        throttled: 0,
        initializing: 0,
      },
    },
  };
}

async function within<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers the suite for a store that offers a FleetRegistry (`store.fleet`). */
export function describeFleetRegistryConformance(name: string, open: OpenSluiceStore): void {
  const withRegistry = async (body: (fleet: FleetRegistry) => Promise<void>) => {
    const opened = await open();
    try {
      const { fleet } = opened.store;
      expect(fleet, 'the store offers a FleetRegistry').toBeDefined();
      if (fleet) await body(fleet);
    } finally {
      await opened.cleanup();
    }
  };

  describe(`${name}: fleet registry`, () => {
    it('grants the lease to one holder at a time and lets the holder renew it', () =>
      withRegistry(async (fleet) => {
        expect(await fleet.leaseHolder(LEASE)).toBeUndefined();
        expect(await fleet.holdLease(LEASE, 'a', 60_000)).toBe(true);
        expect(await fleet.holdLease(LEASE, 'b', 60_000)).toBe(false);
        expect(await fleet.holdLease(LEASE, 'a', 60_000)).toBe(true);
        expect(await fleet.leaseHolder(LEASE)).toBe('a');
      }));

    it('hands the lease on once its holder stops renewing it, and never while it renews', () =>
      withRegistry(async (fleet) => {
        expect(await fleet.holdLease(LEASE, 'a', 300)).toBe(true);
        expect(await fleet.holdLease(LEASE, 'b', 300)).toBe(false);
        await within('the lease to lapse', async () =>
          (await fleet.holdLease(LEASE, 'b', 60_000)) ? true : undefined,
        );
        expect(await fleet.leaseHolder(LEASE)).toBe('b');
        // The old holder's renewal is a compare-and-set: it cannot take back a lease someone else holds.
        expect(await fleet.holdLease(LEASE, 'a', 60_000)).toBe(false);
        expect(await fleet.leaseHolder(LEASE)).toBe('b');
      }));

    it('releases the lease only for its holder', () =>
      withRegistry(async (fleet) => {
        await fleet.holdLease(LEASE, 'a', 60_000);
        await fleet.releaseLease(LEASE, 'b');
        expect(await fleet.leaseHolder(LEASE)).toBe('a');
        await fleet.releaseLease(LEASE, 'a');
        expect(await fleet.leaseHolder(LEASE)).toBeUndefined();
        expect(await fleet.holdLease(LEASE, 'b', 60_000)).toBe(true);
      }));

    it('lists live adverts, replaces a renewed one, and drops withdrawn and expired ones', () =>
      withRegistry(async (fleet) => {
        await fleet.advertise(advert('s1'), 60_000);
        await fleet.advertise(advert('s2'), 60_000);
        await fleet.advertise(advert('s1', 0), 60_000);
        expect((await fleet.listServers()).map((s) => [s.serverId, s.freeGpus])).toEqual([
          ['s1', 0],
          ['s2', 2],
        ]);
        expect((await fleet.listServers())[1]).toEqual(advert('s2'));
        await fleet.withdraw('s2');
        expect((await fleet.listServers()).map((s) => s.serverId)).toEqual(['s1']);
        await fleet.advertise(advert('s3'), 200);
        await within('the advert to expire', async () =>
          (await fleet.listServers()).some((s) => s.serverId === 's3') ? undefined : true,
        );
        expect((await fleet.listServers()).map((s) => s.serverId)).toEqual(['s1']);
      }));

    it('keeps one assignment per endpoint, replaced as a whole', () =>
      withRegistry(async (fleet) => {
        expect(await fleet.getAssignment('gen')).toBeUndefined();
        const first: FleetAssignment = {
          endpointId: 'gen',
          seq: 1,
          decidedBy: 's1',
          at: 5,
          from: 0,
          target: 2,
          reason: 'cold start',
          shares: { s1: { target: 1, retire: [], why: '+1' }, s2: { target: 1, retire: [], why: '+1' } },
          observed: { queued: 3, queuedNormal: 3, inProgress: 0, workers: 0 },
        };
        await fleet.saveAssignment(first);
        await fleet.saveAssignment({ ...first, endpointId: 'other', target: 9 });
        const second = { ...first, seq: 2, target: 1, shares: { s2: { target: 1, retire: [], why: 'keeps 1' } } };
        await fleet.saveAssignment(second);
        expect(await fleet.getAssignment('gen')).toEqual(second);
        expect((await fleet.getAssignment('other'))?.target).toBe(9);
      }));
  });
}
