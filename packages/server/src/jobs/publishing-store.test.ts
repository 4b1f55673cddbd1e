// publishTransition: which long-polls a transition wakes and which signals it broadcasts to other servers.
// Every signal sent for nothing is a store read by a woken poll and, on Redis, one PUBLISH per job.
// PublishingStore: the store steps that publish, checked over a real (in-memory SQLite) store.
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '@sluice/protocol';
import type { JobRecord } from '../store/job-record.js';
import type { StoreSignal } from '../store/store-signals.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import { newJob, runningJob } from '../store/testing/conformance-support.js';
import { PublishingStore, publishTransition, type Published } from './publishing-store.js';
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

type Extra = Omit<Published, 'job' | 'from'>;

/** Publishes one transition with a waiter parked on every key; returns the keys woken and signals published. */
async function observe(after: JobRecord, from: JobStatus | undefined, extra: Extra = {}) {
  const wakeups = new Wakeups();
  const published: StoreSignal[] = [];
  const terminal: JobRecord[] = [];
  const store = { signals: { publish: (s: StoreSignal) => published.push(s), subscribe: () => () => {} } };
  const keys = {
    queue: queueKey(EP),
    job: jobKey(EP, 'job-1'),
    stream: streamKey(EP, 'job-1'),
    stop: stopKey(EP, 'w1'),
  };
  const waits = Object.entries(keys).map(([name, key]) =>
    wakeups.wait(key, wakeups.seq(key), 50).then((woken) => (woken ? name : undefined)),
  );
  publishTransition(store, { wakeups, onTerminal: (j) => terminal.push(j) }, { job: after, from, ...extra });
  const woken = (await Promise.all(waits)).filter((name) => name !== undefined);
  return { woken, published: published.map((s) => s.kind), terminal: terminal.length };
}

describe('publishTransition', () => {
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
    const result = await observe(job('CANCELLED', { workerId: 'w1' }), 'IN_PROGRESS', { stopFor: 'w1' });
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

describe('PublishingStore', () => {
  it("on a store that orders a turn's writes, lets a waiting worker claim a new job in the enqueue's own commit", async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const wakeups = new Wakeups();
    const store = new PublishingStore(inner, { wakeups });
    const key = queueKey(EP);
    try {
      const claimed = wakeups.wait(key, wakeups.seq(key), 5_000).then(() => store.claim(EP, 'w1', 1, 2));
      const second = wakeups.wait(key, wakeups.seq(key), 5_000);
      let claimSettled = false;
      void claimed.then(() => (claimSettled = true));
      const enqueued = store.enqueue(newJob({ endpointId: EP }));
      // Scheduled after the enqueue's group commit: a claim issued only once that commit had settled would land
      // in the next turn's commit and still be pending here.
      const sameTurn = new Promise((resolve) => setImmediate(resolve));
      const { job } = await enqueued;
      await sameTurn;
      expect(claimSettled).toBe(true);
      expect(await claimed).toMatchObject([{ id: job.id, status: 'IN_PROGRESS', workerId: 'w1' }]);
      // One job wakes one worker: the other take still waits.
      expect(wakeups.waiterCount(key)).toBe(1);
      wakeups.notifyAll(key);
      await second;
    } finally {
      await inner.close();
    }
  });

  it('wakes a waiting worker for each job a failed take answer hands back (no re-read)', async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const wakeups = new Wakeups();
    const store = new PublishingStore(inner, { wakeups });
    try {
      const { job } = await store.enqueue(newJob());
      await store.claim(job.endpointId, 'w1', 1, 1);
      const key = queueKey(job.endpointId);
      const woken = wakeups.wait(key, wakeups.seq(key), 5_000);
      expect(await store.unclaim(job.endpointId, 'w1', [job.id])).toMatchObject([{ id: job.id, status: 'IN_QUEUE' }]);
      await expect(woken).resolves.toBe(true);
    } finally {
      await inner.close();
    }
  });

  it("wakes the worker's job-stop poll when a stop is queued again, and the poll for a cancelled running job", async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const wakeups = new Wakeups();
    const terminal: string[] = [];
    const store = new PublishingStore(inner, { wakeups, onTerminal: (j) => terminal.push(j.id) });
    try {
      const { job } = await store.enqueue(newJob());
      await store.claim(job.endpointId, 'w1', 1, 1);
      const key = stopKey(job.endpointId, 'w1');
      const stopped = wakeups.wait(key, wakeups.seq(key), 5_000);
      await store.cancel(job.endpointId, job.id, 2);
      await expect(stopped).resolves.toBe(true);
      expect(terminal).toEqual([job.id]);
      const again = wakeups.wait(key, wakeups.seq(key), 5_000);
      await store.requestStop(job.endpointId, 'w1', job.id);
      await expect(again).resolves.toBe(true);
    } finally {
      await inner.close();
    }
  });

  it('forwards stream post options and wakes stream readers only for an item it appended', async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const wakeups = new Wakeups();
    const store = new PublishingStore(inner, { wakeups });
    try {
      const { job } = await store.enqueue(newJob());
      await store.claim(job.endpointId, 'w1', 1, 1);
      const key = streamKey(job.endpointId, job.id);
      const append = async (seq: number, maxBufferBytes = 1_000) => {
        const seqBefore = wakeups.seq(key);
        const outcome = await store.appendStream(job.endpointId, 'w1', job.id, { n: seq }, { seq, maxBufferBytes });
        return { kind: outcome.kind, woke: wakeups.seq(key) !== seqBefore };
      };
      expect(await append(1)).toEqual({ kind: 'applied', woke: true });
      expect(await append(1)).toEqual({ kind: 'duplicate', woke: false });
      expect(await append(2, 1)).toEqual({ kind: 'buffer-full', woke: false });
    } finally {
      await inner.close();
    }
  });

  it("wakes the worker's held polls when it starts draining, and no one for other worker updates", async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const wakeups = new Wakeups();
    const store = new PublishingStore(inner, { wakeups });
    try {
      const key = stopKey(EP, 'w1');
      const seq = wakeups.seq(key);
      await store.recordWorker(EP, 'w1', { seen: true }, 1);
      expect(wakeups.seq(key)).toBe(seq);
      const drained = wakeups.wait(key, seq, 5_000);
      await store.recordWorker(EP, 'w1', { draining: true }, 2);
      await expect(drained).resolves.toBe(true);
    } finally {
      await inner.close();
    }
  });

  it('wakes stream readers when an undelivered answer is put back, and not when it could not be', async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const wakeups = new Wakeups();
    const store = new PublishingStore(inner, { wakeups });
    try {
      const job = await runningJob(store, 'w1');
      await store.appendStream(job.endpointId, 'w1', job.id, { n: 1 });
      const read = (await store.readStream(job.endpointId, job.id, 10))!;
      const key = streamKey(job.endpointId, job.id);
      const seq = wakeups.seq(key);
      await expect(store.unreadStream(job.endpointId, 'no-such-job', 1, read.items)).resolves.toBe(false);
      expect(wakeups.seq(key)).toBe(seq);
      const putBack = wakeups.wait(key, seq, 5_000);
      await expect(store.unreadStream(job.endpointId, job.id, read.firstSeq, read.items)).resolves.toBe(true);
      await expect(putBack).resolves.toBe(true);
    } finally {
      await inner.close();
    }
  });

  it('tells onQueued of each job that entered the queue (submitted, requeued, retried), and of no other change', () => {
    const queued: string[] = [];
    const hooks = { wakeups: new Wakeups(), onQueued: (j: JobRecord) => queued.push(j.id) };
    const store = { signals: undefined };
    publishTransition(store, hooks, { job: job('IN_QUEUE', { id: 'submitted' }), from: undefined });
    publishTransition(store, hooks, { job: job('IN_PROGRESS', { id: 'claimed', workerId: 'w1' }), from: 'IN_QUEUE' });
    publishTransition(store, hooks, { job: job('IN_QUEUE', { id: 'requeued' }), from: 'IN_PROGRESS' });
    publishTransition(store, hooks, { job: job('COMPLETED', { id: 'finished' }), from: 'IN_PROGRESS' });
    publishTransition(store, hooks, { job: job('IN_QUEUE', { id: 'retried' }), from: 'FAILED' });
    expect(queued).toEqual(['submitted', 'requeued', 'retried']);
  });

  it('tells onTransition every transition it published, in order, with the status it left (job history)', async () => {
    const inner = openSqliteJobStore({ path: ':memory:' });
    const seen: string[] = [];
    const store = new PublishingStore(inner, {
      wakeups: new Wakeups(),
      onTransition: ({ job, from, streamed }) => seen.push(`${from ?? 'new'}>${job.status}${streamed ? '+item' : ''}`),
    });
    try {
      const { job } = await store.enqueue(newJob());
      await store.claim(job.endpointId, 'w1', 1, 1);
      await store.progress(job.endpointId, 'w1', job.id, { step: 1 });
      await store.appendStream(job.endpointId, 'w1', job.id, 'a');
      await store.finish(job.endpointId, 'w1', job.id, { status: 'COMPLETED', output: 'done' }, 2);
      await store.cancel(job.endpointId, job.id, 3);
      expect(seen).toEqual([
        'new>IN_QUEUE',
        'IN_QUEUE>IN_PROGRESS',
        'IN_PROGRESS>IN_PROGRESS',
        'IN_PROGRESS>IN_PROGRESS+item',
        'IN_PROGRESS>COMPLETED',
      ]);
    } finally {
      await inner.close();
    }
  });
});
