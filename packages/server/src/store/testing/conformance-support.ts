// Shared helpers of the SluiceStore conformance suite: a fresh store per test, job factories, fixed clocks.
// Everything here speaks the contract only, so the suite runs unchanged against every store.
import { afterEach, beforeEach, expect } from 'vitest';
import type { ErrorCode, JobStatus } from '@sluice/protocol';
import type { JobRecord } from '../job-record.js';
import type { JobStore, NewJob } from '../job-store.js';
import type { SluiceStore } from '../sluice-store.js';

/** Opens an empty store; `cleanup` closes it and removes whatever it created (files, key prefixes). */
export type OpenSluiceStore = () => Promise<{ store: SluiceStore; cleanup(): Promise<void> }>;

/** A fixed epoch: every `now` in the suite is explicit, nothing reads the clock. */
export const T0 = 1_700_000_000_000;
export const EP = 'ep-a';
export const OTHER_EP = 'ep-b';
export const W1 = 'worker-1';
export const W2 = 'worker-2';

export const EXECUTION_TIMEOUT = 600_000;
export const TTL = 86_400_000;
export const RETENTION = 1_800_000;

let nextId = 0;

/** A job as the service would submit it at `createdAt` (default T0), with endpoint defaults. */
export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  nextId += 1;
  const createdAt = overrides.createdAt ?? T0;
  return {
    id: `job-${nextId}`,
    endpointId: EP,
    input: { n: nextId },
    executionTimeout: EXECUTION_TIMEOUT,
    ttl: overrides.ttl ?? TTL,
    lowPriority: false,
    sync: false,
    retention: RETENTION,
    createdAt,
    ttlDeadline: createdAt + (overrides.ttl ?? TTL),
    ...overrides,
  };
}

export interface StoreHandle {
  readonly store: SluiceStore;
}

/** Registers hooks that give each test of the enclosing describe a fresh store. */
export function useStore(open: OpenSluiceStore): StoreHandle {
  let opened: Awaited<ReturnType<OpenSluiceStore>> | undefined;
  beforeEach(async () => {
    opened = await open();
  });
  afterEach(async () => {
    const current = opened;
    opened = undefined;
    await current?.cleanup();
  });
  return {
    get store(): SluiceStore {
      if (opened === undefined) throw new Error('the store is only open inside a test');
      return opened.store;
    },
  };
}

/** Enqueues `count` jobs one millisecond apart (from T0) and returns them in submission order. */
export async function enqueueMany(
  store: JobStore,
  count: number,
  overrides: Partial<NewJob> = {},
): Promise<JobRecord[]> {
  const jobs: JobRecord[] = [];
  for (let i = 0; i < count; i++) {
    const { job } = await store.enqueue(newJob({ createdAt: T0 + i, ...overrides }));
    jobs.push(job);
  }
  return jobs;
}

/** Enqueues one job and leases it to `workerId` at `now`; returns the leased record. */
export async function runningJob(
  store: JobStore,
  workerId: string = W1,
  overrides: Partial<NewJob> = {},
  now: number = T0 + 1000,
): Promise<JobRecord> {
  const { job } = await store.enqueue(newJob(overrides));
  const claimed = await store.claim(job.endpointId, workerId, 1, now);
  expect(claimed.map((j) => j.id)).toEqual([job.id]);
  return claimed[0]!;
}

/** Claims every queued job of the endpoint, one at a time, and returns their ids in claim order. */
export async function drainQueue(store: JobStore, endpointId: string = EP, now: number = T0 + 5000): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const [job] = await store.claim(endpointId, 'drain-worker', 1, now);
    if (job === undefined) return ids;
    ids.push(job.id);
  }
}

export async function statusOf(store: JobStore, id: string, endpointId: string = EP): Promise<JobStatus | undefined> {
  return (await store.get(endpointId, id))?.status;
}

/** Asserts that `promise` rejects with a SluiceError carrying `code` (never the message: stores word freely). */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}
