// The ping rules of spec §6.8 and §6.6, with explicit times over a real (in-memory SQLite) store.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/load-config.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import type { SluiceStore } from '../store/sluice-store.js';
import { createJobContext, type JobContext } from './job-context.js';
import { JobService } from './job-service.js';
import { DROPPED_ERROR, LeaseMonitor } from './lease-monitor.js';
import { Wakeups } from './wakeups.js';

const config = resolveConfig({ endpoints: { ep: {} } });
const INTERVAL = 10_000;
let now = 1_000_000;
let store: SluiceStore;
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
  monitor = newMonitor(0);
});
afterEach(() => store.close());

/** A server's monitor; a new one over the same store is a restarted server, or another one. */
function newMonitor(verdictsFrom: number): LeaseMonitor {
  return new LeaseMonitor(ctx, { pingIntervalMs: INTERVAL, maxReclaims: 1, verdictsFrom });
}

async function leased(worker = 'w1'): Promise<string> {
  const { job } = await new JobService(ctx).submit('ep', { input: 1, policy: {} }, { sync: false });
  await store.claim('ep', worker, 1, now);
  return job.id;
}

async function ping(ids: string[], at: number, worker = 'w1') {
  now = at;
  await monitor.onPing('ep', worker, { jobIds: ids }, at);
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

  it('sends the job-stop again on the first ping that still lists a stopped job, once per ping', async () => {
    const t0 = now;
    const id = await leased();
    await store.cancel('ep', id, t0 + 100);
    expect(await store.takeStops('ep', 'w1')).toEqual([id]);
    await ping([id], t0 + 3000);
    expect(await store.takeStops('ep', 'w1')).toEqual([id]);
    await ping([], t0 + 3000 + INTERVAL);
    expect(await store.takeStops('ep', 'w1')).toEqual([]);
    await ping([id], t0 + 3000 + 2 * INTERVAL);
    expect(await store.takeStops('ep', 'w1')).toEqual([id]);
  });

  it('sends no job-stop for a job another worker ran', async () => {
    const id = await leased('w2');
    await store.cancel('ep', id, now + 100);
    await ping([id], now + 3000);
    expect(await store.takeStops('ep', 'w1')).toEqual([]);
  });

  it('fails a dropped job whose listing pings reached a server that has since restarted', async () => {
    const t0 = now;
    const id = await leased();
    await ping([id], t0 + INTERVAL);
    await ping([id], t0 + 2 * INTERVAL);
    monitor = newMonitor(0);
    await ping([], t0 + 4 * INTERVAL);
    await ping([], t0 + 5 * INTERVAL);
    expect(await store.get('ep', id)).toMatchObject({ status: 'FAILED', error: DROPPED_ERROR, retries: 0 });
  });

  it('reaches no verdict before verdictsFrom, and the one the evidence supports at the first ping after', async () => {
    const t0 = now;
    const id = await leased();
    monitor = newMonitor(t0 + 4 * INTERVAL);
    await ping([id], t0 + INTERVAL);
    await ping([], t0 + 2 * INTERVAL);
    await ping([], t0 + 3 * INTERVAL);
    expect((await store.get('ep', id))!.status).toBe('IN_PROGRESS');
    await ping([], t0 + 4 * INTERVAL);
    expect(await store.get('ep', id)).toMatchObject({ status: 'FAILED', error: DROPPED_ERROR });
  });
});
