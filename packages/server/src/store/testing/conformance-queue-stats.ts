// Conformance: queueStats, what the autoscaler reads every second (queued jobs, those without lowPriority,
// and the oldest of those by queuedAt), through every way a job enters or leaves IN_QUEUE.
import { describe, expect, it } from 'vitest';
import type { JobStore, QueueStats } from '../job-store.js';
import {
  EP,
  OTHER_EP,
  T0,
  W1,
  enqueueMany,
  newJob,
  runningJob,
  useStore,
  type OpenSluiceStore,
} from './conformance-support.js';

/** The stats a store must report, computed from the jobs themselves. */
async function expectedStats(store: JobStore, ids: string[], endpointId = EP): Promise<QueueStats> {
  const queued = [];
  for (const id of ids) {
    const job = await store.get(endpointId, id);
    if (job?.status === 'IN_QUEUE') queued.push(job);
  }
  const normal = queued.filter((job) => !job.lowPriority);
  const stats: QueueStats = { queued: queued.length, queuedNormal: normal.length };
  if (normal.length > 0) stats.oldestNormalQueuedAt = Math.min(...normal.map((job) => job.queuedAt));
  return stats;
}

export function describeQueueStatsConformance(open: OpenSluiceStore): void {
  describe('queueStats', () => {
    const ctx = useStore(open);

    it('reports an empty queue as zeros with no oldest time', async () => {
      const stats = await ctx.store.queueStats(EP);
      expect(stats).toMatchObject({ queued: 0, queuedNormal: 0 });
      expect(stats.oldestNormalQueuedAt).toBeUndefined();
    });

    it('counts lowPriority jobs as queued but not normal, and ignores them for the oldest time', async () => {
      await ctx.store.enqueue(newJob({ createdAt: T0, lowPriority: true }));
      await ctx.store.enqueue(newJob({ createdAt: T0 + 10 }));
      await ctx.store.enqueue(newJob({ createdAt: T0 + 20 }));
      await ctx.store.enqueue(newJob({ createdAt: T0 + 30, lowPriority: true }));
      await ctx.store.enqueue(newJob({ endpointId: OTHER_EP, createdAt: T0 - 5000 }));
      expect(await ctx.store.queueStats(EP)).toEqual({ queued: 4, queuedNormal: 2, oldestNormalQueuedAt: T0 + 10 });
      expect(await ctx.store.queueStats(OTHER_EP)).toEqual({
        queued: 1,
        queuedNormal: 1,
        oldestNormalQueuedAt: T0 - 5000,
      });
    });

    it('has no oldest time when only lowPriority jobs are queued', async () => {
      await enqueueMany(ctx.store, 3, { lowPriority: true });
      const stats = await ctx.store.queueStats(EP);
      expect(stats).toMatchObject({ queued: 3, queuedNormal: 0 });
      expect(stats.oldestNormalQueuedAt).toBeUndefined();
    });

    it('follows claims: a claimed job is no longer queued, and the next one becomes the oldest', async () => {
      const jobs = await enqueueMany(ctx.store, 4);
      await ctx.store.claim(EP, W1, 2, T0 + 1000);
      expect(await ctx.store.queueStats(EP)).toEqual({
        queued: 2,
        queuedNormal: 2,
        oldestNormalQueuedAt: jobs[2]!.queuedAt,
      });
      await ctx.store.claim(EP, W1, 5, T0 + 1000);
      const stats = await ctx.store.queueStats(EP);
      expect(stats).toMatchObject({ queued: 0, queuedNormal: 0 });
      expect(stats.oldestNormalQueuedAt).toBeUndefined();
    });

    it('follows cancel, purge and ttl expiry out of the queue', async () => {
      const ids = (await enqueueMany(ctx.store, 3, { ttl: 60_000 })).map((job) => job.id);
      ids.push(...(await enqueueMany(ctx.store, 2, { lowPriority: true })).map((job) => job.id));
      const late = await ctx.store.enqueue(newJob({ createdAt: T0 + 50_000, ttl: 600_000 }));
      ids.push(late.job.id);
      await ctx.store.cancel(EP, ids[0]!, T0 + 100);
      expect(await ctx.store.queueStats(EP)).toEqual(await expectedStats(ctx.store, ids));
      await ctx.store.expire(T0 + 60_010);
      // The three short-lived jobs are gone; the two lowPriority ones and the late one remain.
      expect(await ctx.store.queueStats(EP)).toEqual({
        queued: 3,
        queuedNormal: 1,
        oldestNormalQueuedAt: T0 + 50_000,
      });
      await ctx.store.purgeQueue(EP, T0 + 70_000, 100);
      expect(await ctx.store.queueStats(EP)).toMatchObject({ queued: 0, queuedNormal: 0 });
    });

    it('follows re-entries into the queue: unclaim, reclaim and retry, lowPriority jobs included', async () => {
      const normal = await runningJob(ctx.store, W1, {}, T0 + 1000);
      const low = await runningJob(ctx.store, W1, { lowPriority: true }, T0 + 1000);
      const handedBack = await runningJob(ctx.store, W1, {}, T0 + 1000);
      const ids = [normal.id, low.id, handedBack.id];
      expect(await ctx.store.queueStats(EP)).toMatchObject({ queued: 0, queuedNormal: 0 });

      await ctx.store.unclaim(EP, W1, [handedBack.id]);
      expect(await ctx.store.queueStats(EP)).toEqual(await expectedStats(ctx.store, ids));

      await ctx.store.reclaim(EP, W1, [normal.id, low.id], 1, 'worker lost', T0 + 5000);
      const afterReclaim = await ctx.store.queueStats(EP);
      expect(afterReclaim).toEqual(await expectedStats(ctx.store, ids));
      expect(afterReclaim).toMatchObject({ queued: 3, queuedNormal: 2 });

      const [failed] = await ctx.store.claim(EP, W1, 1, T0 + 6000);
      await ctx.store.finish(EP, W1, failed!.id, { status: 'FAILED', error: 'boom' }, T0 + 7000);
      expect(await ctx.store.queueStats(EP)).toEqual(await expectedStats(ctx.store, ids));
      await ctx.store.retry(EP, failed!.id, T0 + 9000);
      expect(await ctx.store.queueStats(EP)).toEqual(await expectedStats(ctx.store, ids));
    });
  });
}
