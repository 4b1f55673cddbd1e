// Conformance: worker posts (spec §2.3 rows 3–7, §6.4 acceptance, §6.5) and the consume-once stream cursor
// (spec §4.5): progress, stream appends, final results with their output/error presence rules, late,
// duplicate and foreign posts, unknown jobs.
import { describe, expect, it } from 'vitest';
import type { JobStore } from '../job-store.js';
import {
  EP,
  OTHER_EP,
  T0,
  W1,
  W2,
  enqueueMany,
  newJob,
  runningJob,
  useStore,
  type OpenSluiceStore,
} from './conformance-support.js';

const DONE_AT = T0 + 5000;

async function readAll(store: JobStore, id: string): Promise<unknown[]> {
  return (await store.readStream(EP, id, 1000))?.items ?? [];
}

export function describePostsConformance(open: OpenSluiceStore): void {
  describe('worker posts', () => {
    const ctx = useStore(open);

    it('stores a progress value as output, keeping the job IN_PROGRESS (row 3)', async () => {
      const job = await runningJob(ctx.store);
      const first = await ctx.store.progress(EP, W1, job.id, { step: 1 });
      expect(first).toMatchObject({ kind: 'applied', job: { status: 'IN_PROGRESS', output: { step: 1 } } });
      await ctx.store.progress(EP, W1, job.id, '2/10');
      expect((await ctx.store.get(EP, job.id))?.output).toBe('2/10');
      await ctx.store.progress(EP, W1, job.id, null);
      const stored = await ctx.store.get(EP, job.id);
      expect(stored).toHaveProperty('output', null);
    });

    it('completes with the posted output, a posted null kept as null (row 5, §6.4 rule 4)', async () => {
      const withValue = await runningJob(ctx.store);
      const withNull = await runningJob(ctx.store);
      const without = await runningJob(ctx.store);
      const done = await ctx.store.finish(EP, W1, withValue.id, { status: 'COMPLETED', output: { a: [1] } }, DONE_AT);
      expect(done).toMatchObject({
        kind: 'applied',
        job: {
          status: 'COMPLETED',
          output: { a: [1] },
          workerId: W1,
          finishedAt: DONE_AT,
          retainUntil: DONE_AT + withValue.retention,
        },
      });
      expect(done.kind === 'applied' && done.job.error).toBeUndefined();
      await ctx.store.finish(EP, W1, withNull.id, { status: 'COMPLETED', output: null }, DONE_AT);
      expect(await ctx.store.get(EP, withNull.id)).toHaveProperty('output', null);
      await ctx.store.progress(EP, W1, without.id, 'halfway');
      await ctx.store.finish(EP, W1, without.id, { status: 'COMPLETED' }, DONE_AT);
      const stored = await ctx.store.get(EP, without.id);
      expect(stored?.status).toBe('COMPLETED');
      expect(stored).not.toHaveProperty('output');
    });

    it('fails with the error, keeping a posted output (row 6)', async () => {
      const job = await runningJob(ctx.store);
      const failed = await ctx.store.finish(
        EP,
        W1,
        job.id,
        { status: 'FAILED', error: 'custom error text', output: { partial: 1 } },
        DONE_AT,
      );
      expect(failed).toMatchObject({
        kind: 'applied',
        job: { status: 'FAILED', error: 'custom error text', output: { partial: 1 }, finishedAt: DONE_AT },
      });
      const bare = await runningJob(ctx.store);
      await ctx.store.finish(EP, W1, bare.id, { status: 'FAILED', error: 'boom' }, DONE_AT);
      const stored = await ctx.store.get(EP, bare.id);
      expect(stored).toMatchObject({ status: 'FAILED', error: 'boom' });
      expect(stored).not.toHaveProperty('output');
    });

    it('queues a job-stop when sluice fails a job for an invalid post (row 7)', async () => {
      const job = await runningJob(ctx.store);
      const failed = await ctx.store.finish(
        EP,
        W1,
        job.id,
        { status: 'FAILED', error: 'worker posted an invalid result', stopWorker: true },
        DONE_AT,
      );
      expect(failed.kind).toBe('applied');
      expect(await ctx.store.takeStops(EP, W1)).toEqual([job.id]);
      expect(await ctx.store.takeStops(EP, W1)).toEqual([]);
    });

    it('ignores every post for a terminal job: the first final result wins', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 'first' }, DONE_AT);
      const again = await ctx.store.finish(EP, W1, job.id, { status: 'FAILED', error: 'late' }, DONE_AT + 1);
      expect(again).toMatchObject({ kind: 'ignored', job: { status: 'COMPLETED', output: 'first' } });
      expect(await ctx.store.progress(EP, W1, job.id, 'late')).toMatchObject({ kind: 'ignored' });
      expect(await ctx.store.appendStream(EP, W1, job.id, { output: 'late' })).toMatchObject({ kind: 'ignored' });
      const stored = await ctx.store.get(EP, job.id);
      expect(stored).toMatchObject({ status: 'COMPLETED', output: 'first', finishedAt: DONE_AT, streaming: false });
      expect(await readAll(ctx.store, job.id)).toEqual([]);
    });

    it('ignores posts by a worker the job is not leased to, and posts for a queued job', async () => {
      const job = await runningJob(ctx.store, W1);
      expect(await ctx.store.progress(EP, W2, job.id, 'x')).toMatchObject({ kind: 'ignored', job: { workerId: W1 } });
      expect(await ctx.store.appendStream(EP, W2, job.id, { output: 'x' })).toMatchObject({ kind: 'ignored' });
      const final = await ctx.store.finish(EP, W2, job.id, { status: 'COMPLETED', output: 'x' }, DONE_AT);
      expect(final).toMatchObject({ kind: 'ignored', job: { status: 'IN_PROGRESS', workerId: W1 } });
      const [queued] = await enqueueMany(ctx.store, 1);
      const early = await ctx.store.finish(EP, W1, queued!.id, { status: 'COMPLETED' }, DONE_AT);
      expect(early).toMatchObject({ kind: 'ignored', job: { status: 'IN_QUEUE' } });
      const stored = await ctx.store.get(EP, job.id);
      expect(stored).not.toHaveProperty('output');
      expect(stored?.streaming).toBe(false);
    });

    it('answers not-found for an unknown job, and for a job of another endpoint', async () => {
      const job = await runningJob(ctx.store);
      for (const [endpointId, id] of [
        [EP, 'no-such-job'],
        [OTHER_EP, job.id],
      ] as const) {
        expect(await ctx.store.progress(endpointId, W1, id, 1)).toEqual({ kind: 'not-found' });
        expect(await ctx.store.appendStream(endpointId, W1, id, { output: 1 })).toEqual({ kind: 'not-found' });
        expect(await ctx.store.finish(endpointId, W1, id, { status: 'COMPLETED' }, DONE_AT)).toEqual({
          kind: 'not-found',
        });
      }
      expect((await ctx.store.get(EP, job.id))?.status).toBe('IN_PROGRESS');
    });

    it('marks the job streaming on a final post with isStream', async () => {
      const job = await runningJob(ctx.store);
      expect(job.streaming).toBe(false);
      const done = await ctx.store.finish(
        EP,
        W1,
        job.id,
        { status: 'COMPLETED', output: [], streaming: true },
        DONE_AT,
      );
      expect(done).toMatchObject({ kind: 'applied', job: { streaming: true, output: [] } });
    });
  });

  describe('stream buffer', () => {
    const ctx = useStore(open);

    it('appends items in arrival order and marks the job streaming (row 4)', async () => {
      const job = await runningJob(ctx.store);
      const first = await ctx.store.appendStream(EP, W1, job.id, { output: 'A' });
      expect(first).toMatchObject({ kind: 'applied', job: { status: 'IN_PROGRESS', streaming: true } });
      await ctx.store.appendStream(EP, W1, job.id, { output: 'B' });
      await ctx.store.appendStream(EP, W1, job.id, { output: null });
      expect(await readAll(ctx.store, job.id)).toEqual([{ output: 'A' }, { output: 'B' }, { output: null }]);
      // Stream items never become the job's output (spec §4.5 rule 6).
      expect(await ctx.store.get(EP, job.id)).not.toHaveProperty('output');
    });

    it('hands each item out exactly once, oldest first, at most max per read', async () => {
      const job = await runningJob(ctx.store);
      for (const n of [1, 2, 3, 4, 5]) await ctx.store.appendStream(EP, W1, job.id, { output: n });
      const first = await ctx.store.readStream(EP, job.id, 2);
      expect(first).toMatchObject({
        job: { id: job.id, status: 'IN_PROGRESS' },
        items: [{ output: 1 }, { output: 2 }],
      });
      expect((await ctx.store.readStream(EP, job.id, 2))?.items).toEqual([{ output: 3 }, { output: 4 }]);
      await ctx.store.appendStream(EP, W1, job.id, { output: 6 });
      expect((await ctx.store.readStream(EP, job.id, 10))?.items).toEqual([{ output: 5 }, { output: 6 }]);
      expect((await ctx.store.readStream(EP, job.id, 10))?.items).toEqual([]);
      await ctx.store.appendStream(EP, W1, job.id, { output: 7 });
      expect((await ctx.store.readStream(EP, job.id, 10))?.items).toEqual([{ output: 7 }]);
    });

    it('numbers each job stream 1, 2, 3... in append order (firstSeq), afresh after a retry', async () => {
      const job = await runningJob(ctx.store, W1, { ttl: 60_000 });
      const read = async (max: number) => {
        const r = await ctx.store.readStream(EP, job.id, max);
        return r && { items: r.items, firstSeq: r.firstSeq };
      };
      expect(await read(10)).toEqual({ items: [], firstSeq: 1 });
      for (const n of [1, 2, 3, 4, 5]) await ctx.store.appendStream(EP, W1, job.id, { output: n });
      expect(await read(2)).toEqual({ items: [{ output: 1 }, { output: 2 }], firstSeq: 1 });
      // An empty read names the number the next item will get.
      expect(await read(0)).toEqual({ items: [], firstSeq: 3 });
      expect(await read(2)).toEqual({ items: [{ output: 3 }, { output: 4 }], firstSeq: 3 });
      expect(await read(10)).toEqual({ items: [{ output: 5 }], firstSeq: 5 });
      expect(await read(10)).toEqual({ items: [], firstSeq: 6 });
      // An item left unread when the job fails goes with the old stream.
      await ctx.store.appendStream(EP, W1, job.id, { output: 6 });
      await ctx.store.finish(EP, W1, job.id, { status: 'FAILED', error: 'boom' }, DONE_AT);
      await ctx.store.retry(EP, job.id, DONE_AT + 100);
      expect(await read(10)).toEqual({ items: [], firstSeq: 1 });
      await ctx.store.claim(EP, W2, 1, DONE_AT + 200);
      await ctx.store.appendStream(EP, W2, job.id, { output: 'a' });
      await ctx.store.appendStream(EP, W2, job.id, { output: 'b' });
      expect(await read(1)).toEqual({ items: [{ output: 'a' }], firstSeq: 1 });
      expect(await read(1)).toEqual({ items: [{ output: 'b' }], firstSeq: 2 });
    });

    it('keeps undelivered items for the terminal flush, then answers []', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.appendStream(EP, W1, job.id, { output: 'A' });
      await ctx.store.appendStream(EP, W1, job.id, { output: 'B' });
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: [], streaming: true }, DONE_AT);
      const flush = await ctx.store.readStream(EP, job.id, 100);
      expect(flush).toMatchObject({ job: { status: 'COMPLETED' }, items: [{ output: 'A' }, { output: 'B' }] });
      expect(await ctx.store.readStream(EP, job.id, 100)).toMatchObject({ job: { status: 'COMPLETED' }, items: [] });
    });

    it('keeps one buffer per job', async () => {
      const a = await runningJob(ctx.store);
      const b = await runningJob(ctx.store);
      await ctx.store.appendStream(EP, W1, a.id, { output: 'a' });
      await ctx.store.appendStream(EP, W1, b.id, { output: 'b' });
      expect(await readAll(ctx.store, b.id)).toEqual([{ output: 'b' }]);
      expect(await readAll(ctx.store, a.id)).toEqual([{ output: 'a' }]);
    });

    it('reads nothing for a job that never streamed, and undefined for an unknown one', async () => {
      const { job } = await ctx.store.enqueue(newJob());
      expect(await ctx.store.readStream(EP, job.id, 10)).toMatchObject({ job: { status: 'IN_QUEUE' }, items: [] });
      expect(await ctx.store.readStream(EP, 'no-such-job', 10)).toBeUndefined();
    });
  });
}
