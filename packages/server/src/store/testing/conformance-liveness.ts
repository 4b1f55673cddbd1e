// Conformance: the liveness evidence pings leave in the store (spec §6.7, §6.8), which every server sharing
// the store, or one that restarted, must read alike.
import { describe, expect, it } from 'vitest';
import type { LeaseEvidence, WorkerRegistry } from '../worker-registry.js';
import { EP, T0, W1, W2, runningJob, useStore, type OpenSluiceStore } from './conformance-support.js';

const INTERVAL = 10_000;

function ping(store: WorkerRegistry, jobIds: string[], now: number, workerId = W1) {
  return store.recordPing(EP, workerId, { jobIds, version: '1.12.0', label: 'cpu', intervalMs: INTERVAL }, now);
}

function evidence(leases: LeaseEvidence[]) {
  return leases.map(({ job, listed, missedSinceListed, lackingSinceLease }) => ({
    id: job.id,
    listed,
    missedSinceListed,
    lackingSinceLease,
  }));
}

export function describeLivenessConformance(open: OpenSluiceStore): void {
  describe('liveness evidence', () => {
    const ctx = useStore(open);

    it('records the ping on the worker, as recordWorker does', async () => {
      const { worker, leases } = await ping(ctx.store, [], T0);
      expect(worker).toMatchObject({ lastPingAt: T0, lastSeenAt: T0, version: '1.12.0', label: 'cpu', inFlight: 0 });
      expect(leases).toEqual([]);
      expect(await ctx.store.getWorker(EP, W1)).toEqual(worker);
    });

    it('counts pings missing a listed job, and restarts the count when a ping lists it again', async () => {
      const job = await runningJob(ctx.store, W1, {}, T0);
      const at = (n: number) => T0 + n * INTERVAL;
      expect(evidence((await ping(ctx.store, [job.id], at(1))).leases)).toEqual([
        { id: job.id, listed: true, missedSinceListed: 0, lackingSinceLease: 0 },
      ]);
      expect((await ping(ctx.store, [], at(2))).leases[0]).toMatchObject({ listed: true, missedSinceListed: 1 });
      expect((await ping(ctx.store, [job.id], at(3))).leases[0]).toMatchObject({ missedSinceListed: 0 });
      await ping(ctx.store, [], at(4));
      const { leases } = await ping(ctx.store, [], at(5));
      expect(evidence(leases)).toEqual([{ id: job.id, listed: true, missedSinceListed: 2, lackingSinceLease: 0 }]);
    });

    it('counts against a never-listed lease only the pings an interval or more after it', async () => {
      const job = await runningJob(ctx.store, W1, {}, T0);
      expect((await ping(ctx.store, [], T0 + 1000)).leases[0]).toMatchObject({ lackingSinceLease: 0 });
      // The gap since the previous ping (20 s) is longer than the interval, so it is the bar.
      expect((await ping(ctx.store, [], T0 + 21_000)).leases[0]).toMatchObject({ lackingSinceLease: 1 });
      const { leases } = await ping(ctx.store, [], T0 + 31_000);
      expect(evidence(leases)).toEqual([{ id: job.id, listed: false, missedSinceListed: 0, lackingSinceLease: 2 }]);
    });

    it('keeps evidence per worker and per lease: a job leased again starts with none', async () => {
      const job = await runningJob(ctx.store, W1, {}, T0);
      const other = await runningJob(ctx.store, W2, {}, T0);
      await ping(ctx.store, [job.id], T0 + INTERVAL);
      expect((await ping(ctx.store, [], T0 + INTERVAL, W2)).leases.map((l) => l.job.id)).toEqual([other.id]);
      await ctx.store.reclaim(EP, W1, 'all', 1, 'worker lost', T0 + 2 * INTERVAL);
      expect((await ping(ctx.store, [], T0 + 3 * INTERVAL)).leases).toEqual([]);
      const [again] = await ctx.store.claim(EP, W1, 1, T0 + 4 * INTERVAL);
      expect(again?.id).toBe(job.id);
      const { leases } = await ping(ctx.store, [], T0 + 4 * INTERVAL + 1);
      expect(evidence(leases)).toEqual([{ id: job.id, listed: false, missedSinceListed: 0, lackingSinceLease: 0 }]);
    });

    it('forgets the evidence of a finished lease and of a removed worker', async () => {
      const job = await runningJob(ctx.store, W1, {}, T0);
      await ping(ctx.store, [job.id], T0 + INTERVAL);
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED' }, T0 + INTERVAL + 1);
      expect((await ping(ctx.store, [job.id], T0 + 2 * INTERVAL)).leases).toEqual([]);

      const second = await runningJob(ctx.store, W1, {}, T0 + 3 * INTERVAL);
      await ping(ctx.store, [second.id], T0 + 4 * INTERVAL);
      await ctx.store.removeWorker(EP, W1);
      // Same lease, but the worker was forgotten in between: its pings start a fresh count.
      const { leases } = await ping(ctx.store, [], T0 + 5 * INTERVAL);
      expect(evidence(leases)).toEqual([{ id: second.id, listed: false, missedSinceListed: 0, lackingSinceLease: 1 }]);
    });
  });
}
