// `job-done?next=N` over a real socket: when the worker's connection closed before the answer carrying its next
// jobs was written, those jobs go back to the head of the queue with no retry counted (spec §1.5), as job-take's.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SluiceApp } from '../../app.js';
import { resolveConfig } from '../../config/load-config.js';
import type { JobStore } from '../../store/job-store.js';
import type { SluiceStore } from '../../store/sluice-store.js';
import { openSqliteJobStore } from '../../store/sqlite/sqlite-job-store.js';

let dir: string;
let store: SluiceStore;
let sluice: SluiceApp;

afterEach(async () => {
  sluice.endHolds();
  await sluice.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A store whose claims wait for `release` while `gated` is set, so a test can close the socket first. */
function gatedStore(inner: SluiceStore) {
  const gate = { gated: false, entered: deferred(), release: deferred(), claimed: deferred() };
  const wrapped = new Proxy(inner, {
    get(target, name, receiver) {
      if (name !== 'claim') return Reflect.get(target, name, receiver) as unknown;
      return async (...args: Parameters<JobStore['claim']>) => {
        if (!gate.gated) return target.claim(...args);
        gate.entered.resolve();
        await gate.release.promise;
        const jobs = await target.claim(...args);
        gate.claimed.resolve();
        return jobs;
      };
    },
  });
  return { store: wrapped, gate };
}

async function connections(): Promise<number> {
  return new Promise((resolve, reject) =>
    sluice.app.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}

describe('next jobs whose job-done answer never reached the worker', () => {
  it('go back to the head of the queue, no retry counted', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
    store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
    const { store: gated, gate } = gatedStore(store);
    const config = resolveConfig({ server: { workerPollHoldMs: 1000 }, endpoints: { echo: {} } });
    sluice = createApp({ store: gated, config, logger: false });
    const submit = async (input: number) =>
      (await sluice.services.jobs.submit('echo', { input, policy: {} }, { sync: false })).job.id;
    const running = await submit(1);
    await store.claim('echo', 'w1', 1, Date.now());
    const next = await submit(2);
    const url = await sluice.app.listen({ host: '127.0.0.1', port: 0 });

    gate.gated = true;
    const post = request(`${url}/v2/echo/job-done/w1/${running}?next=1`, { method: 'POST' });
    post.on('error', () => undefined);
    post.end(JSON.stringify({ output: 'done' }));
    await gate.entered.promise;
    // The worker gives up while the server is claiming its next job.
    post.destroy();
    while ((await connections()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    gate.release.resolve();
    await gate.claimed.promise;
    gate.gated = false;

    const get = async (id: string) => store.get('echo', id);
    while ((await get(next))?.status !== 'IN_QUEUE') await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await get(next)).toMatchObject({ status: 'IN_QUEUE', retries: 0 });
    expect((await get(running))?.status).toBe('COMPLETED');
    const taken = await sluice.app.inject({ method: 'GET', url: '/v2/echo/job-take/w2' });
    expect(taken.json()).toMatchObject({ id: next, input: 2 });
  });
});
