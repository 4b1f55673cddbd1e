// Conformance: what bounds a job's stream (issue #12 items 4, 5): a worker sequence applies each job-stream post
// once per lease, so a retried post whose answer was lost adds nothing; and the undelivered items of one job
// stay within `maxBufferBytes`.
import { describe, expect, it } from 'vitest';
import type { JobStore } from '../job-store.js';
import { EP, T0, W1, runningJob, useStore, type OpenSluiceStore } from './conformance-support.js';

async function readAll(store: JobStore, id: string): Promise<unknown[]> {
  return (await store.readStream(EP, id, 1000))?.items ?? [];
}

export function describeStreamPostsConformance(open: OpenSluiceStore): void {
  describe('stream posts: sequence and buffer cap', () => {
    const ctx = useStore(open);

    it('applies each worker sequence once: a retried post is a duplicate and appends nothing', async () => {
      const job = await runningJob(ctx.store);
      expect(await ctx.store.appendStream(EP, W1, job.id, { output: 'A' }, { seq: 1 })).toMatchObject({
        kind: 'applied',
      });
      expect(await ctx.store.appendStream(EP, W1, job.id, { output: 'A' }, { seq: 1 })).toMatchObject({
        kind: 'duplicate',
        job: { id: job.id, status: 'IN_PROGRESS' },
      });
      expect(await ctx.store.appendStream(EP, W1, job.id, { output: 'B' }, { seq: 2 })).toMatchObject({
        kind: 'applied',
      });
      expect(await ctx.store.appendStream(EP, W1, job.id, { output: 'B' }, { seq: 2 })).toMatchObject({
        kind: 'duplicate',
      });
      expect(await readAll(ctx.store, job.id)).toEqual([{ output: 'A' }, { output: 'B' }]);
      // After a read, a late retry of an item already handed out is still a duplicate.
      expect((await ctx.store.appendStream(EP, W1, job.id, { output: 'A' }, { seq: 1 })).kind).toBe('duplicate');
      expect(await readAll(ctx.store, job.id)).toEqual([]);
    });

    it('appends every post without a sequence, as plain RunPod workers send them', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.appendStream(EP, W1, job.id, { output: 'A' });
      await ctx.store.appendStream(EP, W1, job.id, { output: 'A' });
      expect(await readAll(ctx.store, job.id)).toEqual([{ output: 'A' }, { output: 'A' }]);
    });

    it('numbers afresh in a new lease: a requeued job taken again starts its sequence at 1', async () => {
      const job = await runningJob(ctx.store);
      await ctx.store.appendStream(EP, W1, job.id, { output: 'first run' }, { seq: 1 });
      await ctx.store.reclaim(EP, W1, 'all', 5, 'worker lost', T0 + 2000);
      expect((await ctx.store.claim(EP, W1, 1, T0 + 3000)).map((j) => j.id)).toEqual([job.id]);
      expect((await ctx.store.appendStream(EP, W1, job.id, { output: 'second run' }, { seq: 1 })).kind).toBe('applied');
      expect(await readAll(ctx.store, job.id)).toEqual([{ output: 'first run' }, { output: 'second run' }]);
    });

    it('refuses an item that would take the undelivered items past maxBufferBytes, until a read frees room', async () => {
      const job = await runningJob(ctx.store);
      const item = { output: 'x'.repeat(20) }; // 33 bytes of JSON
      const cap = { maxBufferBytes: 70 };
      expect((await ctx.store.appendStream(EP, W1, job.id, item, cap)).kind).toBe('applied');
      expect((await ctx.store.appendStream(EP, W1, job.id, item, cap)).kind).toBe('applied');
      expect(await ctx.store.appendStream(EP, W1, job.id, item, cap)).toMatchObject({
        kind: 'buffer-full',
        job: { id: job.id, status: 'IN_PROGRESS' },
      });
      expect(await readAll(ctx.store, job.id)).toEqual([item, item]);
      expect((await ctx.store.appendStream(EP, W1, job.id, item, cap)).kind).toBe('applied');
      expect(await readAll(ctx.store, job.id)).toEqual([item]);
    });

    it('counts UTF-8 bytes, and a refused item does not count', async () => {
      const job = await runningJob(ctx.store);
      const wide = { output: 'é'.repeat(10) }; // 13 bytes of syntax + 20 bytes of text
      expect((await ctx.store.appendStream(EP, W1, job.id, wide, { maxBufferBytes: 32 })).kind).toBe('buffer-full');
      expect((await ctx.store.appendStream(EP, W1, job.id, wide, { maxBufferBytes: 33 })).kind).toBe('applied');
      expect((await ctx.store.appendStream(EP, W1, job.id, { o: 1 }, { maxBufferBytes: 40 })).kind).toBe('applied');
    });

    it('starts an empty buffer and sequence when a retry starts a fresh stream', async () => {
      const job = await runningJob(ctx.store);
      const item = { output: 'x'.repeat(20) };
      await ctx.store.appendStream(EP, W1, job.id, item, { seq: 1, maxBufferBytes: 40 });
      await ctx.store.finish(EP, W1, job.id, { status: 'FAILED', error: 'boom' }, T0 + 2000);
      await ctx.store.retry(EP, job.id, T0 + 3000);
      expect((await ctx.store.claim(EP, W1, 1, T0 + 4000)).map((j) => j.id)).toEqual([job.id]);
      expect((await ctx.store.appendStream(EP, W1, job.id, item, { seq: 1, maxBufferBytes: 40 })).kind).toBe('applied');
    });
  });
}
