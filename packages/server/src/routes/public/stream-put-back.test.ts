// `stream/{id}` over a real socket (spec §4.5): when the reader's connection closed before the answer was
// written (runpod-python gives up after 10 s), the items that answer took are put back for the next read.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SluiceApp } from '../../app.js';
import { resolveConfig } from '../../config/load-config.js';
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

/** A store whose stream reads wait for `release` while `gated` is set, so a test can close the socket first. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function gatedStore(inner: SluiceStore) {
  const gate = { gated: false, entered: deferred(), release: deferred() };
  const wrapped = new Proxy(inner, {
    get(target, name, receiver) {
      if (name !== 'readStream') return Reflect.get(target, name, receiver) as unknown;
      return async (...args: Parameters<SluiceStore['readStream']>) => {
        if (gate.gated) {
          gate.entered.resolve();
          await gate.release.promise;
        }
        return target.readStream(...args);
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

describe('stream answers that never reached their reader', () => {
  it('put their items back for the next read', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
    store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
    const { store: gated, gate } = gatedStore(store);
    sluice = createApp({ store: gated, config: resolveConfig({ endpoints: { echo: {} } }), logger: false });
    const { job } = await sluice.services.jobs.submit('echo', { input: 1, policy: {} }, { sync: false });
    await store.claim('echo', 'w1', 1, Date.now());
    await store.appendStream('echo', 'w1', job.id, { output: 'A' });
    await store.appendStream('echo', 'w1', job.id, { output: 'B' });
    const url = await sluice.app.listen({ host: '127.0.0.1', port: 0 });

    gate.gated = true;
    const reader = request(`${url}/v2/echo/stream/${job.id}`);
    reader.on('error', () => undefined);
    reader.end();
    await gate.entered.promise;
    // The reader gives up while the server is between reading the items and writing them.
    reader.destroy();
    while ((await connections()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    gate.gated = false;
    gate.release.resolve();

    const next = await sluice.app.inject({ method: 'GET', url: `/v2/echo/stream/${job.id}` });
    expect(next.json()).toMatchObject({ status: 'IN_PROGRESS', stream: [{ output: 'A' }, { output: 'B' }] });
  });
});
