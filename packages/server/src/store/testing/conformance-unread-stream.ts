// Conformance: putting back stream items whose answer never reached its reader (spec §4.5).
import { describe, expect, it } from 'vitest';
import { EP, W1, runningJob, useStore, type OpenSluiceStore } from './conformance-support.js';

export function describeUnreadStreamConformance(open: OpenSluiceStore): void {
  describe('unreadStream', () => {
    const ctx = useStore(open);

    it('makes the items of a lost answer the next ones again, numbered as before', async () => {
      const job = await runningJob(ctx.store);
      for (const n of [1, 2, 3]) await ctx.store.appendStream(EP, W1, job.id, { output: n });
      expect((await ctx.store.readStream(EP, job.id, 1))?.items).toEqual([{ output: 1 }]);
      const lost = await ctx.store.readStream(EP, job.id, 10);
      expect(lost).toMatchObject({ firstSeq: 2, items: [{ output: 2 }, { output: 3 }] });
      await ctx.store.appendStream(EP, W1, job.id, { output: 4 });

      expect(await ctx.store.unreadStream(EP, job.id, lost!.firstSeq, lost!.items)).toBe(true);
      const again = await ctx.store.readStream(EP, job.id, 10);
      expect(again).toMatchObject({ firstSeq: 2, items: [{ output: 2 }, { output: 3 }, { output: 4 }] });
    });

    it('changes nothing once a later read took items after them, or for an unknown job', async () => {
      const job = await runningJob(ctx.store);
      for (const n of [1, 2]) await ctx.store.appendStream(EP, W1, job.id, { output: n });
      const lost = await ctx.store.readStream(EP, job.id, 1);
      await ctx.store.readStream(EP, job.id, 1);
      expect(await ctx.store.unreadStream(EP, job.id, lost!.firstSeq, lost!.items)).toBe(false);
      expect(await ctx.store.unreadStream(EP, 'no-such-job', 1, [{ output: 1 }])).toBe(false);
      expect((await ctx.store.readStream(EP, job.id, 10))?.items).toEqual([]);
    });
  });
}
