// The fleet follows the endpoint registry's change events: an endpoint added with a worker command starts its
// workers, a PATCH resizes it, a removal stops them. Real (idle) worker processes; nothing is left running.
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../config/load-config.js';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';
import { Fleet } from './fleet.js';

const IDLE_WORKER = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };

describe('Fleet', () => {
  let app: TestApp;
  let fleet: Fleet;
  afterEach(async () => {
    await fleet.stop();
    await app.close();
  });

  it('starts, resizes and stops an endpoint as the registry adds, patches and removes it', async () => {
    app = await createTestApp();
    const registry = app.services.endpoints;
    fleet = new Fleet(
      registry,
      { pingIntervalMs: 10_000, maxReclaims: 1, gpus: [], stopGraceMs: 5000, tickMs: 50 },
      pino({ level: 'silent' }),
    );
    fleet.start({ ctx: app.context, baseUrl: 'http://127.0.0.1:9', issueToken: () => 'token-0123456789abcdef' });
    const fromFile = Object.fromEntries(registry.list());
    const added = resolveConfig({ endpoints: { busy: { workersMin: 1, worker: IDLE_WORKER } } }).endpoints;

    // The launcher registers each worker it starts in the store, and removes it once its process has exited.
    const workers = async () => (await app.store.listWorkers('busy')).length;
    registry.replace({ ...fromFile, ...added });
    await vi.waitFor(async () => expect(await workers()).toBe(1), { timeout: 10_000 });

    registry.patch('busy', { workersMin: 2, workersMax: 2 });
    await vi.waitFor(async () => expect(await workers()).toBe(2), { timeout: 10_000 });

    registry.replace(fromFile);
    await vi.waitFor(async () => expect(await workers()).toBe(0), { timeout: 10_000 });
  });
});
