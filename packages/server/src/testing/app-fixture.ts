// Test fixture: a real app over a real SQLite file in a temp dir, driven in-process with `inject`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type SluiceApp } from '../app.js';
import type { Config } from '../config/config-schema.js';
import { resolveConfig } from '../config/load-config.js';
import { openSqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import type { SluiceStore } from '../store/sluice-store.js';
import { openSqliteJobHistory } from '../store/sqlite/sqlite-job-history.js';
import { openSqliteJobLogStore } from '../store/sqlite/sqlite-job-log-store.js';

export interface TestApp extends SluiceApp {
  store: SluiceStore;
  config: Config;
  request(method: string, url: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function createTestApp(rawConfig: Record<string, unknown> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
  const store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
  const history = openSqliteJobHistory(join(dir, 'sluice.db'));
  const logs = openSqliteJobLogStore(join(dir, 'sluice.db'));
  const config = resolveConfig({
    server: { workerPollHoldMs: 1000 },
    endpoints: { echo: {}, other: {} },
    ...rawConfig,
  });
  const sluice = createApp({ store, history, logs, config, logger: false });
  await sluice.app.ready();
  return {
    ...sluice,
    store,
    config,
    async request(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      let payload: string | Buffer | undefined;
      if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = options.body;
      else if (options.body !== undefined) {
        payload = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await sluice.app.inject({ method: method as 'GET', url, headers, payload });
      let json: unknown;
      try {
        json = res.body === '' ? undefined : JSON.parse(res.body);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, text: res.body, json };
    },
    async close() {
      sluice.endHolds();
      await sluice.app.close();
      await sluice.context.logs?.flush();
      await sluice.context.history?.settle();
      await Promise.all([store.close(), history.close(), logs.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
