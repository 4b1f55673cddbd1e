// Conformance: submission and dispatch (spec §2.3 rows 1, 2, 10), queue order, endpoint isolation,
// queue cap, idempotency keys (spec §9.2), the ttl deadline override (spec §4.3) and health counts (§4.9).
import { describe, expect, it } from 'vitest';
import type { IdempotencyClaim } from '../job-store.js';
import {
  EP,
  OTHER_EP,
  T0,
  TTL,
  W1,
  W2,
  drainQueue,
  enqueueMany,
  expectCode,
  newJob,
  runningJob,
  statusOf,
  useStore,
  type OpenSluiceStore,
} from './conformance-support.js';

export function describeQueueConformance(open: OpenSluiceStore): void {
  describe('submission and dispatch', () => {
    const ctx = useStore(open);

    it('enqueues a job IN_QUEUE with its submission kept (row 1)', async () => {
      const submitted = newJob({ webhook: 'https://hooks.test/a', s3Config: { bucketName: 'b' }, sync: true });
      const { job, created } = await ctx.store.enqueue(submitted);
      expect(created).toBe(true);
      expect(job).toMatchObject({
        id: submitted.id,
        endpointId: EP,
        status: 'IN_QUEUE',
        input: submitted.input,
        webhook: 'https://hooks.test/a',
        s3Config: { bucketName: 'b' },
        sync: true,
        createdAt: T0,
        queuedAt: T0,
        retries: 0,
        reclaims: 0,
        streaming: false,
        ttlDeadline: T0 + TTL,
      });
      for (const absent of ['startedAt', 'finishedAt', 'workerId', 'output', 'error', 'retainUntil'] as const) {
        expect(job[absent]).toBeUndefined();
      }
      expect(await ctx.store.get(EP, submitted.id)).toEqual(job);
    });

    it('keeps any JSON input exactly, and leaves optional fields absent', async () => {
      const input = { text: 'héllo ✓', list: [1, null, true, { deep: 'x' }], zero: 0, empty: {} };
      const { job } = await ctx.store.enqueue(newJob({ input }));
      const stored = await ctx.store.get(EP, job.id);
      expect(stored?.input).toEqual(input);
      expect(stored?.webhook).toBeUndefined();
      expect(stored?.s3Config).toBeUndefined();
    });

    it('answers undefined for an unknown job, and for a job of another endpoint', async () => {
      const { job } = await ctx.store.enqueue(newJob());
      expect(await ctx.store.get(EP, 'no-such-job')).toBeUndefined();
      expect(await ctx.store.get(OTHER_EP, job.id)).toBeUndefined();
      expect(await ctx.store.cancel(OTHER_EP, job.id, T0)).toBeUndefined();
      expect(await ctx.store.retry(OTHER_EP, job.id, T0)).toBeUndefined();
      expect(await ctx.store.setTtlDeadline(OTHER_EP, job.id, T0)).toBeUndefined();
      expect(await ctx.store.readStream(OTHER_EP, job.id, 10)).toBeUndefined();
    });

    it('claims the oldest jobs first, up to max, leasing them to the worker (row 2)', async () => {
      const jobs = await enqueueMany(ctx.store, 5);
      const now = T0 + 2000;
      const first = await ctx.store.claim(EP, W1, 2, now);
      expect(first.map((j) => j.id)).toEqual([jobs[0]!.id, jobs[1]!.id]);
      for (const job of first) {
        expect(job).toMatchObject({ status: 'IN_PROGRESS', workerId: W1, startedAt: now });
        expect(await ctx.store.get(EP, job.id)).toEqual(job);
      }
      const rest = await ctx.store.claim(EP, W2, 10, now);
      expect(rest.map((j) => j.id)).toEqual(jobs.slice(2).map((j) => j.id));
      expect(await ctx.store.claim(EP, W2, 10, now)).toEqual([]);
    });

    it('claims nothing when max is 0 or the queue is empty', async () => {
      expect(await ctx.store.claim(EP, W1, 1, T0)).toEqual([]);
      await enqueueMany(ctx.store, 1);
      expect(await ctx.store.claim(EP, W1, 0, T0)).toEqual([]);
      expect(await statusOf(ctx.store, (await drainQueue(ctx.store))[0]!)).toBe('IN_PROGRESS');
    });

    it('leases nothing to a worker recorded as draining; the job stays queued for another', async () => {
      const [job] = await enqueueMany(ctx.store, 1);
      await ctx.store.recordWorker(EP, W1, { seen: true, draining: true }, T0 + 10);
      expect(await ctx.store.claim(EP, W1, 1, T0 + 20)).toEqual([]);
      expect(await statusOf(ctx.store, job!.id)).toBe('IN_QUEUE');
      const [taken] = await ctx.store.claim(EP, W2, 1, T0 + 30);
      expect(taken).toMatchObject({ id: job!.id, workerId: W2 });
    });

    it('keeps endpoints apart: queues, claims and counts', async () => {
      const [a] = await enqueueMany(ctx.store, 1);
      const [b] = await enqueueMany(ctx.store, 1, { endpointId: OTHER_EP });
      expect((await ctx.store.claim(OTHER_EP, W1, 5, T0)).map((j) => j.id)).toEqual([b!.id]);
      expect(await statusOf(ctx.store, a!.id)).toBe('IN_QUEUE');
      expect((await ctx.store.counts(EP)).inQueue).toBe(1);
      expect((await ctx.store.counts(OTHER_EP)).inProgress).toBe(1);
    });

    it('purges every queued job of the endpoint to CANCELLED, leaving running jobs alone (row 10)', async () => {
      const running = await runningJob(ctx.store);
      const queued = await enqueueMany(ctx.store, 3);
      const [elsewhere] = await enqueueMany(ctx.store, 1, { endpointId: OTHER_EP });
      const { purged, next } = await ctx.store.purgeQueue(EP, T0 + 9000, 100);
      expect(next).toBeUndefined();
      expect(purged.map((j) => j.id).sort()).toEqual(queued.map((j) => j.id).sort());
      for (const job of purged) {
        expect(job).toMatchObject({
          status: 'CANCELLED',
          finishedAt: T0 + 9000,
          retainUntil: T0 + 9000 + job.retention,
        });
        expect(job.workerId).toBeUndefined();
      }
      expect(await statusOf(ctx.store, running.id)).toBe('IN_PROGRESS');
      expect(await statusOf(ctx.store, elsewhere!.id, OTHER_EP)).toBe('IN_QUEUE');
      expect(await ctx.store.purgeQueue(EP, T0 + 9001, 100)).toEqual({ purged: [] });
    });

    it('purges in steps of at most max, oldest first, leaving out jobs queued after the first step', async () => {
      const queued = await enqueueMany(ctx.store, 5);
      const first = await ctx.store.purgeQueue(EP, T0 + 9000, 2);
      expect(first.purged.map((j) => j.id)).toEqual(queued.slice(0, 2).map((j) => j.id));
      expect(first.next).toBeDefined();
      const { job: later } = await ctx.store.enqueue(newJob({ createdAt: T0 + 9100 }));
      const ids: string[] = [];
      let cursor = first.next;
      while (cursor !== undefined) {
        const step = await ctx.store.purgeQueue(EP, T0 + 9200, 2, cursor);
        expect(step.purged.length).toBeLessThanOrEqual(2);
        ids.push(...step.purged.map((j) => j.id));
        cursor = step.next;
      }
      expect(ids).toEqual(queued.slice(2).map((j) => j.id));
      expect(await statusOf(ctx.store, later.id)).toBe('IN_QUEUE');
      expect((await ctx.store.counts(EP)).inQueue).toBe(1);
    });

    it('moves the ttl deadline of a job (status?ttl=)', async () => {
      const { job } = await ctx.store.enqueue(newJob());
      const moved = await ctx.store.setTtlDeadline(EP, job.id, T0 + 5000);
      expect(moved?.ttlDeadline).toBe(T0 + 5000);
      expect((await ctx.store.get(EP, job.id))?.ttlDeadline).toBe(T0 + 5000);
      expect(await ctx.store.setTtlDeadline(EP, 'no-such-job', T0)).toBeUndefined();
    });
  });

  describe('queue cap', () => {
    const ctx = useStore(open);

    it('refuses with ERR_QUEUE_FULL once the endpoint has maxQueueSize queued jobs', async () => {
      await ctx.store.enqueue(newJob(), { maxQueueSize: 2 });
      await ctx.store.enqueue(newJob(), { maxQueueSize: 2 });
      await expectCode(ctx.store.enqueue(newJob(), { maxQueueSize: 2 }), 'ERR_QUEUE_FULL');
      expect((await ctx.store.counts(EP)).inQueue).toBe(2);
      // Other endpoints, and running jobs, do not count against the cap.
      await ctx.store.enqueue(newJob({ endpointId: OTHER_EP }), { maxQueueSize: 2 });
      await ctx.store.claim(EP, W1, 1, T0);
      await ctx.store.enqueue(newJob(), { maxQueueSize: 2 });
      expect((await ctx.store.counts(EP)).inQueue).toBe(2);
    });
  });

  describe('idempotency keys', () => {
    const ctx = useStore(open);
    const claim = (fingerprint: string, expiresAt = T0 + 60_000): IdempotencyClaim => ({
      scope: 'key-1:ep-a',
      key: 'idem-1',
      fingerprint,
      expiresAt,
    });

    it('replays the original job for a repeat with the same fingerprint', async () => {
      const first = await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1') });
      const again = await ctx.store.enqueue(newJob({ createdAt: T0 + 10 }), { idempotency: claim('fp-1') });
      expect(first.created).toBe(true);
      expect(again).toEqual({ job: first.job, created: false });
      expect((await ctx.store.counts(EP)).inQueue).toBe(1);
    });

    it('replays even when the queue is full, since a replay creates nothing', async () => {
      const first = await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1'), maxQueueSize: 1 });
      const again = await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1'), maxQueueSize: 1 });
      expect(again.job.id).toBe(first.job.id);
    });

    it('refuses a different fingerprint under the same key with ERR_IDEMPOTENCY_CONFLICT', async () => {
      await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1') });
      await expectCode(ctx.store.enqueue(newJob(), { idempotency: claim('fp-2') }), 'ERR_IDEMPOTENCY_CONFLICT');
      expect((await ctx.store.counts(EP)).inQueue).toBe(1);
    });

    it('keeps scopes apart', async () => {
      await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1') });
      const other = await ctx.store.enqueue(newJob(), { idempotency: { ...claim('fp-2'), scope: 'key-2:ep-a' } });
      expect(other.created).toBe(true);
    });

    it('creates a new job once the key has expired', async () => {
      const first = await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1', T0 + 100) });
      const later = newJob({ createdAt: T0 + 100 });
      const again = await ctx.store.enqueue(later, { idempotency: claim('fp-2', T0 + 60_000) });
      expect(again.created).toBe(true);
      expect(again.job.id).not.toBe(first.job.id);
      const replay = await ctx.store.enqueue(newJob({ createdAt: T0 + 200 }), { idempotency: claim('fp-2') });
      expect(replay).toMatchObject({ created: false, job: { id: later.id } });
    });

    it('creates a new job once the original record is deleted', async () => {
      const first = await ctx.store.enqueue(newJob(), { idempotency: claim('fp-1', T0 + 10 * TTL) });
      await ctx.store.cancel(EP, first.job.id, T0 + 1);
      expect((await ctx.store.expire(T0 + 1 + first.job.retention)).deleted).toBe(1);
      const again = await ctx.store.enqueue(newJob({ createdAt: T0 + 2 * first.job.retention }), {
        idempotency: claim('fp-2', T0 + 10 * TTL),
      });
      expect(again.created).toBe(true);
    });
  });

  describe('counts', () => {
    const ctx = useStore(open);

    it('counts jobs per state, FAILED and TIMED_OUT together, and retried jobs among all stored', async () => {
      expect(await ctx.store.counts(EP)).toEqual({ inQueue: 0, inProgress: 0, completed: 0, failed: 0, retried: 0 });
      const jobs = await enqueueMany(ctx.store, 7);
      const claimed = await ctx.store.claim(EP, W1, 5, T0 + 100);
      const [done, failed, retried, timedOut] = claimed;
      await ctx.store.finish(EP, W1, done!.id, { status: 'COMPLETED', output: 1 }, T0 + 200);
      await ctx.store.finish(EP, W1, failed!.id, { status: 'FAILED', error: 'boom' }, T0 + 200);
      await ctx.store.finish(EP, W1, retried!.id, { status: 'FAILED', error: 'boom' }, T0 + 200);
      await ctx.store.retry(EP, retried!.id, T0 + 300);
      await ctx.store.cancel(EP, jobs[6]!.id, T0 + 300);
      await ctx.store.setTtlDeadline(EP, timedOut!.id, T0 + 400);
      await ctx.store.expire(T0 + 400);
      // done, failed → terminal; retried → back IN_QUEUE; timedOut → TIMED_OUT; claimed[4] still running;
      // jobs[5] queued; jobs[6] cancelled (counted nowhere but still stored).
      expect(await ctx.store.counts(EP)).toEqual({ inQueue: 2, inProgress: 1, completed: 1, failed: 2, retried: 1 });
      // A retried job stays counted as retried through its next states, and until its record is deleted.
      await ctx.store.claim(EP, W1, 2, T0 + 500);
      expect(await ctx.store.counts(EP)).toEqual({ inQueue: 0, inProgress: 3, completed: 1, failed: 2, retried: 1 });
      await ctx.store.finish(EP, W1, retried!.id, { status: 'COMPLETED' }, T0 + 600);
      expect(await ctx.store.counts(EP)).toMatchObject({ inProgress: 2, completed: 2, retried: 1 });
      await ctx.store.expire(T0 + 600 + retried!.retention);
      expect(await ctx.store.get(EP, retried!.id)).toBeUndefined();
      expect(await ctx.store.counts(EP)).toMatchObject({ completed: 0, retried: 0 });
      expect(await ctx.store.counts(OTHER_EP)).toEqual({
        inQueue: 0,
        inProgress: 0,
        completed: 0,
        failed: 0,
        retried: 0,
      });
    });
  });
}
