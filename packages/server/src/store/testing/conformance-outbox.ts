// Conformance of the WebhookOutbox contract (spec §5): one delivery per terminal entry, written with the
// transition, leased and settled by the sender.
import { describe, expect, it } from 'vitest';
import type { WebhookDelivery, WebhookOutbox } from '../webhook-outbox.js';
import {
  EP,
  OTHER_EP,
  RETENTION,
  T0,
  W1,
  W2,
  enqueueMany,
  runningJob,
  useStore,
  type OpenSluiceStore,
} from './conformance-support.js';

const HOOK = 'https://hooks.test/done';
const FAR = T0 + 10 * RETENTION;

/** Every delivery due by `FAR`, leased so a second call sees none of them. */
async function takeAll(store: WebhookOutbox, now = FAR): Promise<WebhookDelivery[]> {
  return store.takeDueWebhooks(now, 1000, 60_000);
}

export function describeOutboxConformance(open: OpenSluiceStore): void {
  describe('webhook outbox', () => {
    const ctx = useStore(open);

    it('adds one delivery with the webhook payload when a job completes', async () => {
      const job = await runningJob(ctx.store, W1, { webhook: HOOK, input: { prompt: 'hi' } });
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: { text: 'yo' } }, T0 + 5000);
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED', output: 'dup' }, T0 + 6000);
      const [delivery, ...more] = await takeAll(ctx.store);
      expect(more).toEqual([]);
      expect(delivery).toMatchObject({ endpointId: EP, jobId: job.id, url: HOOK, attempts: 0 });
      expect(JSON.parse(delivery!.body)).toEqual({
        id: job.id,
        status: 'COMPLETED',
        delayTime: 1000,
        executionTime: 4000,
        workerId: W1,
        output: { text: 'yo' },
        input: { prompt: 'hi' },
        webhook: HOOK,
      });
    });

    it('adds exactly one delivery per terminal entry, whatever the way in', async () => {
      const failed = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.finish(EP, W1, failed.id, { status: 'FAILED', error: 'boom' }, T0 + 100);
      const cancelled = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.cancel(EP, cancelled.id, T0 + 100);
      await ctx.store.cancel(EP, cancelled.id, T0 + 200);
      const lost = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.reclaim(EP, W1, [lost.id], 0, 'worker lost', T0 + 100);
      const [purged] = await enqueueMany(ctx.store, 1, { webhook: HOOK });
      await ctx.store.purgeQueue(EP, T0 + 100, 100);
      const [expired] = await enqueueMany(ctx.store, 1, { webhook: HOOK, ttl: 20_000 });
      await ctx.store.expire(T0 + 20_000);
      await ctx.store.expire(T0 + 20_001);
      await enqueueMany(ctx.store, 1, { endpointId: OTHER_EP });
      await ctx.store.purgeQueue(OTHER_EP, T0 + 100, 100);
      const deliveries = await takeAll(ctx.store);
      const statuses = new Map(deliveries.map((d) => [d.jobId, (JSON.parse(d.body) as { status: string }).status]));
      expect(deliveries).toHaveLength(5);
      expect(Object.fromEntries(statuses)).toEqual({
        [failed.id]: 'FAILED',
        [cancelled.id]: 'CANCELLED',
        [lost.id]: 'FAILED',
        [purged!.id]: 'CANCELLED',
        [expired!.id]: 'TIMED_OUT',
      });
      expect(new Set(deliveries.map((d) => d.id)).size).toBe(5);
    });

    it('adds nothing for jobs without a webhook, and nothing for a requeue', async () => {
      const plain = await runningJob(ctx.store);
      await ctx.store.finish(EP, W1, plain.id, { status: 'COMPLETED' }, T0 + 100);
      await runningJob(ctx.store, W1, { webhook: HOOK });
      expect(await ctx.store.reclaim(EP, W1, 'all', 1, 'worker lost', T0 + 100)).toHaveLength(1);
      expect(await takeAll(ctx.store)).toEqual([]);
    });

    it('fires again when a retried job terminates again', async () => {
      const job = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.finish(EP, W1, job.id, { status: 'FAILED', error: 'one' }, T0 + 100);
      await ctx.store.retry(EP, job.id, T0 + 200);
      await ctx.store.claim(EP, W2, 1, T0 + 300);
      await ctx.store.finish(EP, W2, job.id, { status: 'COMPLETED', output: 2 }, T0 + 400);
      const bodies = (await takeAll(ctx.store)).map((d) => JSON.parse(d.body) as { status: string; retries?: number });
      expect(bodies.map((b) => b.status).sort()).toEqual(['COMPLETED', 'FAILED']);
    });

    it('leases due deliveries, and hands them out again when the lease lapses', async () => {
      const job = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.cancel(EP, job.id, T0 + 100);
      expect(await ctx.store.takeDueWebhooks(T0 + 99, 10, 5000)).toEqual([]);
      const [first] = await ctx.store.takeDueWebhooks(T0 + 100, 10, 5000);
      expect(first?.jobId).toBe(job.id);
      expect(await ctx.store.takeDueWebhooks(T0 + 5099, 10, 5000)).toEqual([]);
      const [again] = await ctx.store.takeDueWebhooks(T0 + 5100, 10, 5000);
      expect(again).toEqual(first);
    });

    it("takes no more of an endpoint's deliveries than its share, counting those in flight", async () => {
      for (let i = 0; i < 5; i++) {
        const job = await runningJob(ctx.store, W1, { webhook: HOOK });
        await ctx.store.cancel(EP, job.id, T0 + 100 + i);
      }
      const other = await runningJob(ctx.store, W1, { webhook: HOOK, endpointId: OTHER_EP });
      await ctx.store.cancel(OTHER_EP, other.id, T0 + 200);
      const first = await ctx.store.takeDueWebhooks(FAR, 10, 5000, {
        maxPerEndpoint: 2,
        inFlight: new Map([[EP, 1]]),
      });
      expect(first.map((d) => d.endpointId).sort()).toEqual([EP, OTHER_EP]);
      // The endpoint's earliest delivery went first; the rest stay due for a later call.
      const second = await ctx.store.takeDueWebhooks(FAR, 10, 5000, { maxPerEndpoint: 3, inFlight: new Map() });
      expect(second.map((d) => d.endpointId)).toEqual([EP, EP, EP]);
      expect(await ctx.store.takeDueWebhooks(FAR, 10, 5000)).toHaveLength(1);
    });

    it('takes at most max deliveries per call', async () => {
      for (const at of [3000, 1000, 2000]) {
        const job = await runningJob(ctx.store, W1, { webhook: HOOK });
        await ctx.store.cancel(EP, job.id, T0 + at);
      }
      expect(await ctx.store.takeDueWebhooks(T0 + 5000, 2, 5000)).toHaveLength(2);
      expect(await ctx.store.takeDueWebhooks(T0 + 5000, 10, 5000)).toHaveLength(1);
      expect(await ctx.store.takeDueWebhooks(T0 + 5000, 10, 5000)).toEqual([]);
    });

    it('settles: done deletes, a retry counts the attempt and waits for retryAt', async () => {
      const a = await runningJob(ctx.store, W1, { webhook: HOOK });
      const b = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.cancel(EP, a.id, T0 + 100);
      await ctx.store.cancel(EP, b.id, T0 + 100);
      const taken = await ctx.store.takeDueWebhooks(T0 + 100, 10, 60_000);
      const sent = taken.find((d) => d.jobId === a.id)!;
      const retried = taken.find((d) => d.jobId === b.id)!;
      await ctx.store.settleWebhook(sent.id, { done: true });
      await ctx.store.settleWebhook(retried.id, { done: false, retryAt: T0 + 10_100 });
      expect(await ctx.store.takeDueWebhooks(T0 + 10_099, 10, 60_000)).toEqual([]);
      expect(await ctx.store.takeDueWebhooks(T0 + 10_100, 10, 60_000)).toEqual([{ ...retried, attempts: 1 }]);
      await ctx.store.settleWebhook(retried.id, { done: true });
      await ctx.store.settleWebhook('no-such-delivery', { done: true });
      expect(await takeAll(ctx.store)).toEqual([]);
    });

    it('keeps a pending delivery after its job record is deleted', async () => {
      const job = await runningJob(ctx.store, W1, { webhook: HOOK });
      await ctx.store.finish(EP, W1, job.id, { status: 'COMPLETED' }, T0 + 100);
      expect((await ctx.store.expire(T0 + 100 + RETENTION)).deleted).toBe(1);
      expect((await takeAll(ctx.store)).map((d) => d.jobId)).toEqual([job.id]);
    });
  });
}
