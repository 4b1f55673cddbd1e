// Conformance: time-based rules driven by expire(now) (spec §2.3 rows 11, 12, 16; §2.5) and lease recovery
// (row 13, §6.8, §1.5): reclaim at the head within the budget, the previous holder's final post, unclaim.
import { describe, expect, it } from 'vitest';
import {
  EP,
  EXECUTION_TIMEOUT,
  RETENTION,
  T0,
  TTL,
  W1,
  W2,
  drainQueue,
  enqueueMany,
  newJob,
  runningJob,
  statusOf,
  useStore,
  type OpenSluiceStore,
} from './conformance-support.js';

const STARTED = T0 + 1000;
const LOST = 'worker lost';

export function describeMaintenanceConformance(open: OpenSluiceStore): void {
  describe('expire', () => {
    const ctx = useStore(open);

    it('times out a running job after executionTimeout since pickup, with a job-stop (row 11)', async () => {
      const job = await runningJob(ctx.store, W1, {}, STARTED);
      expect((await ctx.store.expire(STARTED + EXECUTION_TIMEOUT - 1)).timedOut).toEqual([]);
      const { timedOut } = await ctx.store.expire(STARTED + EXECUTION_TIMEOUT);
      expect(timedOut).toHaveLength(1);
      expect(timedOut[0]?.from).toBe('IN_PROGRESS');
      expect(timedOut[0]?.job).toMatchObject({
        id: job.id,
        status: 'TIMED_OUT',
        error: `execution timeout exceeded (${EXECUTION_TIMEOUT} ms)`,
        workerId: W1,
        finishedAt: STARTED + EXECUTION_TIMEOUT,
      });
      expect(await ctx.store.get(EP, job.id)).toEqual(timedOut[0]?.job);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([job.id]);
      expect((await ctx.store.expire(STARTED + EXECUTION_TIMEOUT + 1)).timedOut).toEqual([]);
    });

    it('times out queued and running jobs at their ttl deadline, stopping only the running one (row 12)', async () => {
      const running = await runningJob(ctx.store, W1, { ttl: 30_000 }, STARTED);
      const [queued] = await enqueueMany(ctx.store, 1, { ttl: 30_000 });
      const [later] = await enqueueMany(ctx.store, 1, { ttl: 40_000 });
      const { timedOut } = await ctx.store.expire(T0 + 30_000);
      const byId = new Map(timedOut.map((t) => [t.job.id, t]));
      expect([...byId.keys()].sort()).toEqual([queued!.id, running.id].sort());
      expect(byId.get(queued!.id)).toMatchObject({
        from: 'IN_QUEUE',
        job: { status: 'TIMED_OUT', error: 'ttl expired (30000 ms)', finishedAt: T0 + 30_000 },
      });
      expect(byId.get(running.id)).toMatchObject({ from: 'IN_PROGRESS', job: { status: 'TIMED_OUT' } });
      expect(await ctx.store.takeStops(EP, W1)).toEqual([running.id]);
      expect(await statusOf(ctx.store, later!.id)).toBe('IN_QUEUE');
      expect(await drainQueue(ctx.store)).toEqual([later!.id]);
    });

    it('uses a ttl deadline moved by setTtlDeadline', async () => {
      const [job] = await enqueueMany(ctx.store, 1);
      await ctx.store.setTtlDeadline(EP, job!.id, T0 + 15_000);
      expect((await ctx.store.expire(T0 + 15_000)).timedOut.map((t) => t.job.id)).toEqual([job!.id]);
    });

    it('names the ttl that fired, not the one the job was submitted with', async () => {
      const [job] = await enqueueMany(ctx.store, 1, { ttl: 86_400_000 });
      const moved = await ctx.store.setTtlDeadline(EP, job!.id, T0 + 1000 + 1500, 1500);
      expect(moved).toMatchObject({ ttl: 1500, ttlDeadline: T0 + 2500 });
      const [expired] = (await ctx.store.expire(T0 + 2500)).timedOut;
      expect(expired?.job).toMatchObject({ status: 'TIMED_OUT', error: 'ttl expired (1500 ms)' });
    });

    it('keeps a terminal job for its retention, then deletes it with its stream (row 16)', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.appendStream(EP, W1, job.id, { output: 'unread' });
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 1 }, T0 + 2000);
      expect((await ctx.store.expire(T0 + 2000 + RETENTION - 1)).deleted).toBe(0);
      expect(await statusOf(ctx.store, job.id)).toBe('COMPLETED');
      expect(await ctx.store.expire(T0 + 2000 + RETENTION)).toEqual({ timedOut: [], deleted: 1 });
      expect(await ctx.store.get(EP, job.id)).toBeUndefined();
      expect(await ctx.store.readStream(EP, job.id, 10)).toBeUndefined();
      expect(await ctx.store.retry(EP, job.id, T0 + 3000 + RETENTION)).toBeUndefined();
      expect(await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED' }, T0 + 3000 + RETENTION)).toEqual({
        kind: 'not-found',
      });
    });

    it('deletes a terminal job at its ttl deadline when that comes before retention ends', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.cancel(EP, job.id, T0 + 2000);
      await ctx.store.setTtlDeadline(EP, job.id, T0 + 5000);
      expect((await ctx.store.expire(T0 + 4999)).deleted).toBe(0);
      expect((await ctx.store.expire(T0 + 5000)).deleted).toBe(1);
      expect(await ctx.store.get(EP, job.id)).toBeUndefined();
    });

    it('keeps a job timed out by its ttl for its retention, not deleting it in the same pass', async () => {
      const [job] = await enqueueMany(ctx.store, 1, { ttl: 20_000 });
      expect(await ctx.store.expire(T0 + 20_000)).toMatchObject({ deleted: 0 });
      expect(await statusOf(ctx.store, job!.id)).toBe('TIMED_OUT');
      expect((await ctx.store.expire(T0 + 20_000 + RETENTION - 1)).deleted).toBe(0);
      expect((await ctx.store.expire(T0 + 20_000 + RETENTION)).deleted).toBe(1);
    });

    it('leaves active jobs before their deadlines alone', async () => {
      await runningJob(ctx.store, W1, {}, STARTED);
      await enqueueMany(ctx.store, 3);
      expect(await ctx.store.expire(T0 + TTL - 1)).toMatchObject({ deleted: 0 });
      expect((await ctx.store.counts(EP)).inQueue).toBe(3);
    });
  });

  describe('reclaim and unclaim', () => {
    const ctx = useStore(open);

    it('requeues a lost worker’s job at the head with retries + 1 and timings cleared (row 13)', async () => {
      const [first, second] = await enqueueMany(ctx.store, 2);
      const [leased] = await ctx.store.claim(EP, W1, 1, STARTED);
      expect(leased?.id).toBe(first!.id);
      await ctx.store.progress(EP, W1, first!.id, 'half');
      const changed = await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 50_000);
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({
        id: first!.id,
        status: 'IN_QUEUE',
        retries: 1,
        reclaims: 1,
        previousWorkerId: W1,
        queuedAt: T0 + 50_000,
      });
      for (const cleared of ['workerId', 'startedAt', 'finishedAt', 'output', 'error'] as const) {
        expect(changed[0]).not.toHaveProperty(cleared);
      }
      expect(await ctx.store.get(EP, first!.id)).toEqual(changed[0]);
      expect(await drainQueue(ctx.store)).toEqual([first!.id, second!.id]);
    });

    it('gives a retried job its whole reclaim budget again', async () => {
      const job = await runningJob(ctx.store, W1, {}, STARTED);
      await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 10_000);
      await ctx.store.claim(EP, W2, 1, T0 + 11_000);
      await ctx.store.reclaim(EP, W2, [job.id], 1, LOST, T0 + 20_000);
      await ctx.store.retry(EP, job.id, T0 + 21_000);
      await ctx.store.claim(EP, W1, 1, T0 + 22_000);
      const [requeued] = await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 30_000);
      expect(requeued).toMatchObject({ id: job.id, status: 'IN_QUEUE', retries: 3 });
    });

    it('fails the job with the error once its reclaim budget is spent', async () => {
      const job = await runningJob(ctx.store, W1, {}, STARTED);
      await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 10_000);
      await ctx.store.claim(EP, W2, 1, T0 + 11_000);
      const [failed] = await ctx.store.reclaim(EP, W2, [job.id], 1, LOST, T0 + 20_000);
      expect(failed).toMatchObject({ id: job.id, status: 'FAILED', error: LOST, retries: 1, finishedAt: T0 + 20_000 });
      expect(await ctx.store.get(EP, job.id)).toEqual(failed);
      const zeroBudget = await runningJob(ctx.store, W1);
      const [none] = await enqueueMany(ctx.store, 1);
      expect(await ctx.store.reclaim(EP, W1, 'all', 0, LOST, T0 + 30_000)).toMatchObject([
        { id: zeroBudget.id, status: 'FAILED', retries: 0 },
      ]);
      expect(await statusOf(ctx.store, none!.id)).toBe('IN_QUEUE');
    });

    it('touches only the listed jobs leased to that worker', async () => {
      const mine = await runningJob(ctx.store, W1);
      const alsoMine = await runningJob(ctx.store, W1);
      const theirs = await runningJob(ctx.store, W2);
      const changed = await ctx.store.reclaim(EP, W1, [mine.id, theirs.id, 'no-such-job'], 1, LOST, T0 + 9000);
      expect(changed.map((j) => j.id)).toEqual([mine.id]);
      expect(await statusOf(ctx.store, alsoMine.id)).toBe('IN_PROGRESS');
      expect(await statusOf(ctx.store, theirs.id)).toBe('IN_PROGRESS');
      expect(await ctx.store.reclaim(EP, W1, [mine.id], 1, LOST, T0 + 9001)).toEqual([]);
    });

    it('requeues several jobs of one worker ahead of the queue, in their original order', async () => {
      const jobs = await enqueueMany(ctx.store, 4);
      await ctx.store.claim(EP, W1, 3, STARTED);
      const changed = await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 9000);
      expect(changed.map((j) => j.id).sort()).toEqual(
        jobs
          .slice(0, 3)
          .map((j) => j.id)
          .sort(),
      );
      expect(await drainQueue(ctx.store)).toEqual(jobs.map((j) => j.id));
    });

    it('accepts the final post of the previous holder while the job waits in the queue', async () => {
      const job = await runningJob(ctx.store, W1, {}, STARTED);
      await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 9000);
      expect(await ctx.store.progress(EP, W1, job.id, 'late')).toMatchObject({ kind: 'ignored' });
      const late = await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 'ok' }, T0 + 9500);
      expect(late).toMatchObject({
        kind: 'applied',
        job: { status: 'COMPLETED', output: 'ok', workerId: W1, finishedAt: T0 + 9500 },
      });
      expect(await ctx.store.get(EP, job.id)).toEqual(late.kind === 'applied' ? late.job : undefined);
      expect(await ctx.store.claim(EP, W2, 1, T0 + 9600)).toEqual([]);
      expect((await ctx.store.counts(EP)).inQueue).toBe(0);
    });

    it('ignores the previous holder once the job is leased again', async () => {
      const job = await runningJob(ctx.store, W1, {}, STARTED);
      await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 9000);
      await ctx.store.claim(EP, W2, 1, T0 + 9100);
      const late = await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 'old' }, T0 + 9500);
      expect(late).toMatchObject({ kind: 'ignored', job: { status: 'IN_PROGRESS', workerId: W2 } });
      const other = await ctx.store.finish(EP, W2, job.id, { status: 'COMPLETED', output: 'new' }, T0 + 9600);
      expect(other).toMatchObject({ kind: 'applied', job: { output: 'new', workerId: W2 } });
    });

    it('ignores a final post from a worker that never held the requeued job', async () => {
      const job = await runningJob(ctx.store, W1, {}, STARTED);
      await ctx.store.reclaim(EP, W1, 'all', 1, LOST, T0 + 9000);
      const post = await ctx.store.finish(EP, W2, job.id, { status: 'COMPLETED' }, T0 + 9500);
      expect(post).toMatchObject({ kind: 'ignored', job: { status: 'IN_QUEUE' } });
    });

    it('unclaims jobs to the head in their order, counting no retry (spec §1.5)', async () => {
      const jobs = await enqueueMany(ctx.store, 4);
      const claimed = await ctx.store.claim(EP, W1, 2, STARTED);
      const requeued = await ctx.store.unclaim(
        EP,
        W1,
        claimed.map((j) => j.id),
      );
      expect(requeued.map((j) => [j.id, j.status])).toEqual(claimed.map((j) => [j.id, 'IN_QUEUE']));
      for (const job of claimed) {
        const stored = await ctx.store.get(EP, job.id);
        expect(stored).toMatchObject({ status: 'IN_QUEUE', retries: 0, queuedAt: job.queuedAt });
        expect(stored).not.toHaveProperty('workerId');
        expect(stored).not.toHaveProperty('startedAt');
      }
      expect(await drainQueue(ctx.store)).toEqual(jobs.map((j) => j.id));
    });

    it('unclaims only jobs still leased to that worker', async () => {
      const job = await runningJob(ctx.store, W1);
      expect(await ctx.store.unclaim(EP, W2, [job.id])).toEqual([]);
      expect(await statusOf(ctx.store, job.id)).toBe('IN_PROGRESS');
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED' }, T0 + 5000);
      expect(await ctx.store.unclaim(EP, W1, [job.id, 'no-such-job'])).toEqual([]);
      expect(await statusOf(ctx.store, job.id)).toBe('COMPLETED');
      const { job: fresh } = await ctx.store.enqueue(newJob());
      expect(await drainQueue(ctx.store)).toEqual([fresh.id]);
    });
  });
}
