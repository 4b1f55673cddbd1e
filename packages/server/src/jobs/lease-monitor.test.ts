// The ping rules of spec §6.8 and §6.6, with explicit times over a real (in-memory SQLite) store.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/load-config.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import type { JobStore } from '../store/job-store.js';
import { createJobContext, type JobContext } from './job-context.js';
import { JobService } from './job-service.js';
import { DROPPED_ERROR, LeaseMonitor } from './lease-monitor.js';
import { Wakeups } from './wakeups.js';

const config = resolveConfig({ endpoints: { ep: {} } });
const INTERVAL = 10_000;
let now = 1_000_000;
let store: JobStore;
let ctx: JobContext;
let monitor: LeaseMonitor;

beforeEach(() => {
  store = openSqliteJobStore({ path: ':memory:' });
  ctx = createJobContext({
    store,
    wakeups: new Wakeups(),
    endpoint: (id) => config.endpoints[id],
    now: () => now,
    log: pino({ level: 'silent' }),
  });
  monitor = new LeaseMonitor(ctx, { pingIntervalMs: INTERVAL, maxReclaims: 1 });
});
afterEach(() => store.close());

async function leased(worker = 'w1'): Promise<string> {
  const { job } = await new JobService(ctx).submit('ep', { input: 1, policy: {} }, { sync: false });
  await store.claim('ep', worker, 1, now);
  return job.id;
}

async function ping(ids: string[], at: number, worker = 'w1') {
  now = at;
  await monitor.onPing('ep', worker, ids, at);
}

describe('lease monitor', () => {
  it('requeues a leased job absent from two pings that began an interval after the lease', async () => {
    const t0 = now;
    const id = await leased();
    await ping([], t0 + 1000); // too early to count: the take answer may still be in flight
    await ping([], t0 + INTERVAL + 1000);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
    await ping([], t0 + 2 * INTERVAL + 1000);
    expect(await store.get('ep', id)).toMatchObject({ status: 'IN_QUEUE', retries: 1 });
  });

  it('fails a job the worker listed and then left out of two consecutive pings', async () => {
    const t0 = now;
    const id = await leased();
    await ping([id], t0 + INTERVAL);
    await ping([], t0 + 2 * INTERVAL);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
    await ping([id], t0 + 3 * INTERVAL); // back again: the count starts over
    await ping([], t0 + 4 * INTERVAL);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
    await ping([], t0 + 5 * INTERVAL);
    expect(await store.get('ep', id)).toMatchObject({ status: 'FAILED', error: DROPPED_ERROR });
  });

  it('leaves alone jobs the pings keep listing', async () => {
    const t0 = now;
    const id = await leased();
    for (let i = 1; i <= 5; i++) await ping([id], t0 + i * INTERVAL);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
  });

  it('sends the job-stop again when pings still list a stopped job an interval later', async () => {
    const t0 = now;
    const id = await leased();
    await store.cancel('ep', id, t0 + 100);
    expect(await store.takeStops('ep', 'w1')).toEqual([id]);
    await ping([id], t0 + 5000);
    expect(await store.takeStops('ep', 'w1')).toEqual([]);
    await ping([id], t0 + INTERVAL + 500);
    expect(await store.takeStops('ep', 'w1')).toEqual([id]);
  });
});
