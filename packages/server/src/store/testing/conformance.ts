// The conformance suite of the store contracts (architecture §2, §6): every store implementation runs it
// unchanged. One entry point per contract, and describeSluiceStoreConformance for a whole store, which is what
// the SQLite and Redis tests run. It drives the contracts only, with explicit `now` values, and asserts states
// and error codes. Each part opens a whole SluiceStore: a contract's guarantees involve the others (a cancel
// queues a job-stop, a terminal transition a webhook delivery), as one store implements all of them.
import { describe, expect, it } from 'vitest';
import { describeLifecycleConformance } from './conformance-lifecycle.js';
import { describeLivenessConformance } from './conformance-liveness.js';
import { describeMaintenanceConformance } from './conformance-maintenance.js';
import { describeOutboxConformance } from './conformance-outbox.js';
import { describePostsConformance } from './conformance-posts.js';
import { describeQueueConformance } from './conformance-queue.js';
import { describeQueueStatsConformance } from './conformance-queue-stats.js';
import { describeStreamPostsConformance } from './conformance-stream-posts.js';
import { describeUnreadStreamConformance } from './conformance-unread-stream.js';
import { describeWorkersConformance } from './conformance-workers.js';
import { EP, T0, expectCode, newJob, type OpenSluiceStore } from './conformance-support.js';

export type { OpenSluiceStore } from './conformance-support.js';

/** The JobStore contract (store/job-store.ts): job transitions and reads. */
export function describeJobStoreConformance(open: OpenSluiceStore): void {
  describe('JobStore', () => {
    describeQueueConformance(open);
    describeQueueStatsConformance(open);
    describePostsConformance(open);
    describeStreamPostsConformance(open);
    describeLifecycleConformance(open);
    describeMaintenanceConformance(open);
    describeUnreadStreamConformance(open);
  });
}

/** The WorkerRegistry contract (store/worker-registry.ts): workers, job-stops, lease evidence. */
export function describeWorkerRegistryConformance(open: OpenSluiceStore): void {
  describe('WorkerRegistry', () => {
    describeWorkersConformance(open);
    describeLivenessConformance(open);
  });
}

/** The WebhookOutbox contract (store/webhook-outbox.ts): deliveries leased and settled by the sender. */
export function describeWebhookOutboxConformance(open: OpenSluiceStore): void {
  describe('WebhookOutbox', () => {
    describeOutboxConformance(open);
  });
}

/** Registers every contract's suite and the whole-store checks under `name`; `open` gives an empty store. */
export function describeSluiceStoreConformance(name: string, open: OpenSluiceStore): void {
  describe(name, () => {
    describeJobStoreConformance(open);
    describeWorkerRegistryConformance(open);
    describeWebhookOutboxConformance(open);

    describe('close', () => {
      it('is idempotent, and later calls reject with ERR_UNAVAILABLE', async () => {
        const opened = await open();
        const { store } = opened;
        try {
          await store.close();
          await store.close();
          await expectCode(store.enqueue(newJob()), 'ERR_UNAVAILABLE');
          await expectCode(store.get(EP, 'x'), 'ERR_UNAVAILABLE');
          await expectCode(store.expire(T0), 'ERR_UNAVAILABLE');
          await expectCode(store.checkWritable(T0), 'ERR_UNAVAILABLE');
        } finally {
          await opened.cleanup();
        }
      });
    });

    describe('checkWritable', () => {
      it('resolves on an open store, again and again, and leaves the jobs alone', async () => {
        const opened = await open();
        const { store } = opened;
        try {
          await store.checkWritable(T0);
          await store.checkWritable(T0 + 1);
          expect((await store.counts(EP)).inQueue).toBe(0);
        } finally {
          await opened.cleanup();
        }
      });
    });
  });
}
