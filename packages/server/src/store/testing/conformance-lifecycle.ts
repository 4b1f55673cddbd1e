// Conformance: client-driven transitions of one job (spec §2.3 rows 8, 9, 15; §4.6, §4.7): cancel of queued,
// running and terminal jobs with their job-stops, and retry with its rules and ERR_JOB_NOT_RETRYABLE.
import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../job-record.js';
import type { JobStore } from '../job-store.js';
import {
  EP,
  T0,
  TTL,
  W1,
  W2,
  drainQueue,
  enqueueMany,
  expectCode,
  newJob,
  runningJob,
  useStore,
  type OpenSluiceStore,
} from './conformance-support.js';

const AT = T0 + 10_000;

/** A job leased to W1 that then failed with a progress value, a stream item and an error on record. */
async function failedJob(store: JobStore): Promise<JobRecord> {
  const job = await runningJob(store, W1, { ttl: 60_000 });
  await store.appendStream(EP, W1, job.id, { output: 'partial' });
  await store.progress(EP, W1, job.id, 'half');
  await store.finish(EP, W1, job.id, { status: 'FAILED', error: 'boom', output: { partial: 1 } }, AT);
  return job;
}

export function describeLifecycleConformance(open: OpenSluiceStore): void {
  describe('cancel', () => {
    const ctx = useStore(open);

    it('cancels a queued job: it leaves the queue, no job-stop (row 8)', async () => {
      const [first, second] = await enqueueMany(ctx.store, 2);
      const result = await ctx.store.cancel(EP, first!.id, AT);
      expect(result?.from).toBe('IN_QUEUE');
      expect(result?.job).toMatchObject({ status: 'CANCELLED', finishedAt: AT, retainUntil: AT + first!.retention });
      expect(result?.job.workerId).toBeUndefined();
      expect(result?.job.error).toBeUndefined();
      expect(await ctx.store.get(EP, first!.id)).toEqual(result?.job);
      expect(await drainQueue(ctx.store)).toEqual([second!.id]);
      expect(await ctx.store.takeStops(EP, 'drain-worker')).toEqual([]);
    });

    it('cancels a running job at once and queues a job-stop for its worker (row 9)', async () => {
      const job = await runningJob(ctx.store, W1);
      await ctx.store.progress(EP, W1, job.id, 'half');
      const result = await ctx.store.cancel(EP, job.id, AT);
      expect(result?.from).toBe('IN_PROGRESS');
      expect(result?.job).toMatchObject({
        status: 'CANCELLED',
        workerId: W1,
        startedAt: job.startedAt,
        finishedAt: AT,
      });
      // A progress value is not a result: a cancelled job shows no output (spec §2.2).
      expect(result?.job).not.toHaveProperty('output');
      expect(await ctx.store.takeStops(EP, W2)).toEqual([]);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([job.id]);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([]);
      // Its later result is ignored.
      const late = await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 1 }, AT + 1);
      expect(late).toMatchObject({ kind: 'ignored', job: { status: 'CANCELLED' } });
    });

    it('returns a terminal job unchanged, and queues nothing (cancel is idempotent)', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 'ok' }, AT);
      const before = await ctx.store.get(EP, job.id);
      const result = await ctx.store.cancel(EP, job.id, AT + 1);
      expect(result).toEqual({ job: before, from: 'COMPLETED' });
      expect(await ctx.store.get(EP, job.id)).toEqual(before);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([]);
      const { job: queued } = await ctx.store.enqueue(newJob());
      const once = await ctx.store.cancel(EP, queued.id, AT);
      const twice = await ctx.store.cancel(EP, queued.id, AT + 5);
      expect(twice).toEqual({ job: once?.job, from: 'CANCELLED' });
    });

    it('answers undefined for an unknown job', async () => {
      expect(await ctx.store.cancel(EP, 'no-such-job', AT)).toBeUndefined();
    });
  });

  describe('retry', () => {
    const ctx = useStore(open);

    it('requeues a FAILED job at the tail with a clean slate and a new ttl deadline (row 15)', async () => {
      const job = await failedJob(ctx.store);
      const [waiting] = await enqueueMany(ctx.store, 1);
      const change = await ctx.store.retry(EP, job.id, AT + 100);
      expect(change?.from).toBe('FAILED');
      const retried = change?.job;
      expect(retried).toMatchObject({
        id: job.id,
        status: 'IN_QUEUE',
        input: job.input,
        retries: 1,
        queuedAt: AT + 100,
        ttlDeadline: AT + 100 + 60_000,
        streaming: false,
      });
      for (const cleared of ['output', 'error', 'startedAt', 'finishedAt', 'workerId', 'retainUntil'] as const) {
        expect(retried).not.toHaveProperty(cleared);
      }
      expect(await ctx.store.get(EP, job.id)).toEqual(retried);
      expect((await ctx.store.readStream(EP, job.id, 10))?.items).toEqual([]);
      expect(await drainQueue(ctx.store)).toEqual([waiting!.id, job.id]);
    });

    it('retries a TIMED_OUT job, counting each retry', async () => {
      const { job } = await ctx.store.enqueue(newJob({ ttl: 20_000 }));
      await ctx.store.expire(T0 + 20_000);
      expect((await ctx.store.get(EP, job.id))?.status).toBe('TIMED_OUT');
      const change = await ctx.store.retry(EP, job.id, T0 + 30_000);
      expect(change).toMatchObject({ from: 'TIMED_OUT', job: { retries: 1 } });
      const [again] = await ctx.store.claim(EP, W1, 1, T0 + 31_000);
      expect(again).toMatchObject({ id: job.id, workerId: W1, startedAt: T0 + 31_000, retries: 1 });
      await ctx.store.finish(EP, W1, job.id, { status: 'FAILED', error: 'again' }, T0 + 32_000);
      expect((await ctx.store.retry(EP, job.id, T0 + 33_000))?.job.retries).toBe(2);
    });

    it('a retried job streams afresh', async () => {
      const job = await failedJob(ctx.store);
      await ctx.store.retry(EP, job.id, AT + 100);
      await ctx.store.claim(EP, W2, 1, AT + 200);
      await ctx.store.appendStream(EP, W2, job.id, { output: 'fresh' });
      expect((await ctx.store.readStream(EP, job.id, 10))?.items).toEqual([{ output: 'fresh' }]);
    });

    it('refuses other states with ERR_JOB_NOT_RETRYABLE and changes nothing', async () => {
      const running = await runningJob(ctx.store);
      const completed = await runningJob(ctx.store);
      await ctx.store.finish(EP, W1, completed.id, { status: 'COMPLETED' }, AT);
      const cancelled = await runningJob(ctx.store);
      await ctx.store.cancel(EP, cancelled.id, AT);
      const [queued] = await enqueueMany(ctx.store, 1);
      for (const job of [queued!, running, completed, cancelled]) {
        const before = await ctx.store.get(EP, job.id);
        await expectCode(ctx.store.retry(EP, job.id, AT + 1), 'ERR_JOB_NOT_RETRYABLE');
        expect(await ctx.store.get(EP, job.id)).toEqual(before);
      }
    });

    it('answers undefined for an unknown job', async () => {
      expect(await ctx.store.retry(EP, 'no-such-job', AT)).toBeUndefined();
    });

    it('keeps the ttl of the submission for the new deadline', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.finish(EP, W1, job.id, { status: 'FAILED', error: 'x' }, AT);
      expect((await ctx.store.retry(EP, job.id, AT + 1))?.job.ttlDeadline).toBe(AT + 1 + TTL);
    });
  });
}
