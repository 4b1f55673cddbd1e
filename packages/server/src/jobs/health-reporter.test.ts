// `/health` counts each worker once (issue #12 item 10): a launched worker that already took a job is running,
// not also initializing because the fleet's view of it lags the store's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SluiceApp } from '../app.js';
import { resolveConfig } from '../config/load-config.js';
import { openSqliteJobStore, type SqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import { newJob } from '../store/testing/conformance-support.js';
import type { FleetView } from './health-reporter.js';

let dir: string;
let store: SqliteJobStore;
let sluice: SluiceApp;
afterEach(async () => {
  sluice.endHolds();
  await sluice.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function setUp(launching: string[]): void {
  dir = mkdtempSync(join(tmpdir(), 'sluice-health-'));
  store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
  const fleet: FleetView = { initializing: () => launching, throttled: () => 0 };
  sluice = createApp({
    store,
    config: resolveConfig({ endpoints: { echo: { workersMax: 2 } } }),
    logger: false,
    fleet,
  });
}

describe('HealthReporter', () => {
  it('counts a launched worker that already runs a job once, as running', async () => {
    setUp(['w-1', 'w-2']);
    const now = Date.now();
    await store.recordWorker('echo', 'w-1', { seen: true }, now);
    await store.enqueue(newJob({ endpointId: 'echo', createdAt: now, ttlDeadline: now + 60_000 }));
    expect(await store.claim('echo', 'w-1', 1, now)).toHaveLength(1);
    const { workers } = await sluice.services.health.health('echo');
    expect(workers).toMatchObject({ running: 1, idle: 0, initializing: 1 });
    expect(workers.running + workers.idle + workers.initializing).toBeLessThanOrEqual(2);
  });

  it('adds registered-but-silent store workers and unseen launched ones', async () => {
    setUp(['w-3']);
    await store.recordWorker('echo', 'w-9', {}, Date.now());
    expect((await sluice.services.health.health('echo')).workers.initializing).toBe(2);
  });
});
