// Stream watches consume items: a watch whose client has gone must not take any, or they are lost to every
// other reader. Driven directly on an in-memory store.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SluiceStore } from '../store/sluice-store.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import { EP, T0, W1, newJob } from '../store/testing/conformance-support.js';
import type { JobContext } from './job-context.js';
import { watchStream } from './job-watch.js';
import { Wakeups } from './wakeups.js';

let store: SluiceStore;
let ctx: JobContext;

beforeEach(() => {
  store = openSqliteJobStore({ path: ':memory:' });
  ctx = {
    store,
    workers: store,
    wakeups: new Wakeups(),
    endpoint: () => undefined,
    now: () => T0,
    log: pino({ enabled: false }),
  };
});
afterEach(async () => {
  await store.close();
});

async function streamingJob(items: number): Promise<string> {
  const { job } = await store.enqueue(newJob());
  await store.claim(EP, W1, 1, T0 + 1);
  for (let i = 1; i <= items; i++) await store.appendStream(EP, W1, job.id, { output: i });
  return job.id;
}

describe('watchStream', () => {
  it('hands out the items, then takes none once its signal has aborted', async () => {
    const id = await streamingJob(2);
    const client = new AbortController();
    const events = watchStream(ctx, EP, id, client.signal);
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) kinds.push((await events.next()).value?.kind ?? 'end');
    expect(kinds).toEqual(['status', 'stream', 'stream']);
    // The watch is parked waiting for more when an item arrives and the client leaves.
    const parked = events.next();
    await store.appendStream(EP, W1, id, { output: 3 });
    client.abort();
    expect((await parked).done).toBe(true);
    // The item posted after the client left is still there for the next reader.
    expect((await store.readStream(EP, id, 10))?.items).toEqual([{ output: 3 }]);
  });

  it('reads nothing when the signal is already aborted', async () => {
    const id = await streamingJob(1);
    const client = new AbortController();
    client.abort();
    expect((await watchStream(ctx, EP, id, client.signal).next()).done).toBe(true);
    expect((await store.readStream(EP, id, 10))?.items).toEqual([{ output: 1 }]);
  });
});
