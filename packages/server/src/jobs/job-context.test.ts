// announce: which long-polls a transition wakes and which signals it broadcasts to other servers. Every
// signal sent for nothing is a store read by a woken poll and, on Redis, one PUBLISH per job.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '@sluice/protocol';
import type { JobRecord } from '../store/job-record.js';
import type { JobStore, StoreSignal } from '../store/job-store.js';
import { announce, type AnnouncedChange, type JobContext } from './job-context.js';
import { Wakeups, jobKey, queueKey, stopKey, streamKey } from './wakeups.js';

const EP = 'ep';

function job(status: JobStatus, extra: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1',
    endpointId: EP,
    status,
    input: {},
    executionTimeout: 60_000,
    ttl: 60_000,
    lowPriority: false,
    sync: false,
    retention: 60_000,
    createdAt: 0,
    queuedAt: 0,
    retries: 0,
    reclaims: 0,
    streaming: false,
    ttlDeadline: 60_000,
    ...extra,
  };
}

/** Announces one transition with a waiter parked on every key; returns the keys woken and signals published. */
async function observe(after: JobRecord, previous: JobStatus | undefined, change?: AnnouncedChange) {
  const wakeups = new Wakeups();
  const published: StoreSignal[] = [];
  const terminal: JobRecord[] = [];
  const store = { signals: { publish: (s: StoreSignal) => published.push(s), subscribe: () => () => {} } };
  const ctx: JobContext = {
    store: store as unknown as JobStore,
    wakeups,
    endpoint: () => undefined,
    now: () => 0,
    log: pino({ enabled: false }),
    onTerminal: (j) => terminal.push(j),
  };
  const keys = {
    queue: queueKey(EP),
    job: jobKey(EP, 'job-1'),
    stream: streamKey(EP, 'job-1'),
    stop: stopKey(EP, 'w1'),
  };
  const waits = Object.entries(keys).map(([name, key]) =>
    wakeups.wait(key, wakeups.seq(key), 50).then((woken) => (woken ? name : undefined)),
  );
  announce(ctx, after, previous, change);
  const woken = (await Promise.all(waits)).filter((name) => name !== undefined);
  return { woken, published: published.map((s) => s.kind), terminal: terminal.length };
}

describe('announce', () => {
  it('wakes one worker for a new job and nothing else: nobody can wait on its id yet', async () => {
    await expect(observe(job('IN_QUEUE'), undefined)).resolves.toEqual({
      woken: ['queue'],
      published: ['queue'],
      terminal: 0,
    });
  });

  it('wakes nobody when a worker claims a job (IN_QUEUE → IN_PROGRESS)', async () => {
    const result = await observe(job('IN_PROGRESS', { workerId: 'w1' }), 'IN_QUEUE');
    expect(result).toEqual({ woken: [], published: [], terminal: 0 });
  });

  it('wakes outcome and stream readers, but not the job-stop poll, when the worker finishes the job', async () => {
    const result = await observe(job('COMPLETED', { workerId: 'w1' }), 'IN_PROGRESS');
    expect(result).toEqual({ woken: ['job', 'stream'], published: ['job'], terminal: 1 });
  });

  it("also wakes the worker's job-stop poll when the store queued a stop (cancel of a running job)", async () => {
    const result = await observe(job('CANCELLED', { workerId: 'w1' }), 'IN_PROGRESS', { stopQueued: true });
    expect(result).toEqual({ woken: ['job', 'stream', 'stop'], published: ['job', 'stop'], terminal: 1 });
  });

  it('wakes only stream readers for an appended stream item', async () => {
    const result = await observe(job('IN_PROGRESS', { workerId: 'w1' }), 'IN_PROGRESS', { streamed: true });
    expect(result).toEqual({ woken: ['stream'], published: ['stream'], terminal: 0 });
  });

  it('wakes a worker when a job goes back to the queue (reclaim, retry)', async () => {
    await expect(observe(job('IN_QUEUE', { retries: 1 }), 'IN_PROGRESS')).resolves.toMatchObject({
      woken: ['queue'],
      published: ['queue'],
    });
    await expect(observe(job('IN_QUEUE', { retries: 1 }), 'FAILED')).resolves.toMatchObject({
      woken: ['queue'],
    });
  });
});
