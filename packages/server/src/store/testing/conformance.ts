// The one conformance suite of the JobStore contract (architecture §2, §6): every store implementation runs
// it unchanged. It drives the contract only, with explicit `now` values, and asserts states and error codes.
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
import { EP, T0, expectCode, newJob, type OpenJobStore } from './conformance-support.js';

export type { OpenJobStore } from './conformance-support.js';

/** Registers the whole suite under `name`; `open` must give an empty store for each test. */
export function describeJobStoreConformance(name: string, open: OpenJobStore): void {
  describe(name, () => {
    describeQueueConformance(open);
    describeQueueStatsConformance(open);
    describePostsConformance(open);
    describeStreamPostsConformance(open);
    describeLifecycleConformance(open);
    describeMaintenanceConformance(open);
    describeOutboxConformance(open);
    describeLivenessConformance(open);
    describeUnreadStreamConformance(open);

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
