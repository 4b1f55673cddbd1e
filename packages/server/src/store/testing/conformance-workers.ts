// Conformance of the WorkerRegistry contract: worker records (spec §6.7, §4.9), and the job-stops and leases
// the liveness rules read (spec §6.6, §6.8). The lease evidence pings leave is in conformance-liveness.ts.
import { describe, expect, it } from 'vitest';
import { EP, OTHER_EP, T0, W1, W2, runningJob, useStore, type OpenSluiceStore } from './conformance-support.js';

const DONE_AT = T0 + 5000;

export function describeWorkersConformance(open: OpenSluiceStore): void {
  describe('workers registry', () => {
    const ctx = useStore(open);

    it('registers a worker on first record, with nothing but its first sighting', async () => {
      const worker = await ctx.store.recordWorker(EP, W1, {}, T0);
      expect(worker).toEqual({
        endpointId: EP,
        workerId: W1,
        firstSeenAt: T0,
        pingJobIds: [],
        draining: false,
        inFlight: 0,
      });
      expect(await ctx.store.getWorker(EP, W1)).toEqual(worker);
      expect(await ctx.store.getWorker(OTHER_EP, W1)).toBeUndefined();
    });

    it('applies sightings, pings, labels, draining and unhealthy reports', async () => {
      await ctx.store.recordWorker(EP, W1, { seen: true, label: 'cpu' }, T0);
      await ctx.store.recordWorker(EP, W1, { ping: { jobIds: ['j1', 'j2'], version: '1.12.0' } }, T0 + 10);
      await ctx.store.recordWorker(EP, W1, { seen: true, draining: true }, T0 + 20);
      const worker = await ctx.store.recordWorker(EP, W1, { unhealthy: { check: 'gpu', reason: 'no cuda' } }, T0 + 30);
      expect(worker).toEqual({
        endpointId: EP,
        workerId: W1,
        firstSeenAt: T0,
        lastSeenAt: T0 + 20,
        lastPingAt: T0 + 10,
        pingJobIds: ['j1', 'j2'],
        version: '1.12.0',
        label: 'cpu',
        draining: true,
        unhealthy: { at: T0 + 30, check: 'gpu', reason: 'no cuda' },
        inFlight: 0,
      });
      const idle = await ctx.store.recordWorker(EP, W1, { ping: { jobIds: [] } }, T0 + 40);
      expect(idle).toMatchObject({ lastPingAt: T0 + 40, pingJobIds: [], version: '1.12.0' });
    });

    it('counts in-flight jobs from the jobs leased to the worker', async () => {
      await ctx.store.recordWorker(EP, W1, { seen: true }, T0);
      const job = await runningJob(ctx.store, W1);
      await runningJob(ctx.store, W1);
      await runningJob(ctx.store, W2);
      expect((await ctx.store.getWorker(EP, W1))?.inFlight).toBe(2);
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED' }, T0 + 5000);
      expect((await ctx.store.getWorker(EP, W1))?.inFlight).toBe(1);
    });

    it('lists the workers of one endpoint and removes them', async () => {
      await ctx.store.recordWorker(EP, W2, { seen: true }, T0);
      await ctx.store.recordWorker(EP, W1, { seen: true }, T0);
      await ctx.store.recordWorker(OTHER_EP, 'elsewhere', { seen: true }, T0);
      expect((await ctx.store.listWorkers(EP)).map((w) => w.workerId).sort()).toEqual([W1, W2]);
      await ctx.store.removeWorker(EP, W1);
      await ctx.store.removeWorker(EP, 'no-such-worker');
      expect(await ctx.store.getWorker(EP, W1)).toBeUndefined();
      expect((await ctx.store.listWorkers(EP)).map((w) => w.workerId)).toEqual([W2]);
      expect(await ctx.store.listWorkers(OTHER_EP)).toHaveLength(1);
    });
  });

  describe('job-stops and leases', () => {
    const ctx = useStore(open);

    it('re-queues a job-stop only for a stopped job, and lists the jobs leased to a worker', async () => {
      const job = await runningJob(ctx.store);
      expect((await ctx.store.leasedJobs(EP, W1)).map((j) => j.id)).toEqual([job.id]);
      expect(await ctx.store.leasedJobs(EP, W2)).toEqual([]);
      await ctx.store.requestStop(EP, W1, job.id);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([]);
      await ctx.store.cancel(EP, job.id, DONE_AT);
      expect(await ctx.store.leasedJobs(EP, W1)).toEqual([]);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([job.id]);
      await ctx.store.requestStop(EP, W1, job.id);
      await ctx.store.requestStop(EP, W1, 'no-such-job');
      expect(await ctx.store.takeStops(EP, W1)).toEqual([job.id]);
    });
  });
}
