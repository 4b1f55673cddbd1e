// The admin API and /metrics, in process: auth by `admin` keys, endpoint and worker views, runtime PATCH of
// scaling settings, reload of the configuration, and the Prometheus text. No worker command: nothing spawns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SluiceApp } from '../../app.js';
import { ConfigReload } from '../../config/config-reload.js';
import { EndpointRegistry } from '../../config/endpoint-registry.js';
import { resolveConfig } from '../../config/load-config.js';
import { Fleet } from '../../fleet/fleet.js';
import { registerMetricsRoute } from '../../metrics/metrics-route.js';
import { SluiceMetrics } from '../../metrics/sluice-metrics.js';
import type { SluiceStore } from '../../store/sluice-store.js';
import { openSqliteJobStore } from '../../store/sqlite/sqlite-job-store.js';
import { registerAdminRoutes } from './admin-routes.js';

const CLIENT = 'client-key-0123456789';
const ADMIN = 'admin-key-0123456789';
const WORKER = 'worker-key-0123456789';
const METRICS = 'metrics-token-0123456789';

const RAW = {
  server: { workerPollHoldMs: 1000, metrics: { enabled: true, token: METRICS } },
  auth: {
    keys: [
      { name: 'app', key: CLIENT },
      { name: 'ops', key: ADMIN, kind: 'admin', endpoints: ['other'] },
      { name: 'box', key: WORKER, kind: 'worker' },
    ],
  },
  endpoints: { echo: { workersMax: 4 }, other: {} },
};

interface Harness {
  sluice: SluiceApp;
  store: SluiceStore;
  /** The live endpoint settings PATCH and reload change. */
  endpoints: EndpointRegistry;
  fleet: Fleet;
  /** What the next reload reads. */
  next: { raw: Record<string, unknown> };
  request(
    method: string,
    url: string,
    key?: string,
    body?: unknown,
  ): Promise<{ status: number; json: any; text: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-admin-'));
  const store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
  const config = resolveConfig(RAW);
  const next = { raw: RAW as Record<string, unknown> };
  const log = pino({ level: 'silent' });
  const endpoints = new EndpointRegistry(config.endpoints);
  const reload = new ConfigReload(config, endpoints, () => resolveConfig(next.raw), log);
  const fleet = new Fleet(endpoints, { pingIntervalMs: 10_000, maxReclaims: 1, gpus: [] }, log);
  const metrics = new SluiceMetrics({
    store,
    endpointIds: () => endpoints.ids(),
    health: (id) => sluice.services.health.health(id),
    fleetStates: (id) => fleet.workerStates(id),
    now: () => Date.now(),
  });
  const sluice = createApp({
    store,
    config,
    endpoints,
    logger: false,
    fleet,
    onTerminal: (job) => metrics.jobFinished(job),
    onPostIgnored: (endpointId, reason) => metrics.workerPostIgnored(endpointId, reason),
  });
  registerAdminRoutes(sluice.app, sluice.services, fleet, reload);
  registerMetricsRoute(sluice.app, metrics, config.server.metrics.token);
  await sluice.app.ready();
  fleet.start({ ctx: sluice.context, baseUrl: 'http://127.0.0.1:9', issueToken: () => 'token-0123456789abcdef' });
  return {
    sluice,
    store,
    endpoints,
    fleet,
    next,
    async request(method, url, key, body) {
      const res = await sluice.app.inject({
        method: method as 'GET',
        url,
        headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      let json: unknown;
      try {
        json = JSON.parse(res.body);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, json, text: res.body };
    },
    async close() {
      await fleet.stop();
      sluice.beginShutdown();
      await sluice.app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('admin API', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('opens only to admin keys, whatever their endpoint scope; admin keys open client routes, not worker ones', async () => {
    h = await harness();
    for (const key of [undefined, CLIENT, WORKER, 'wrong-key-0123456789']) {
      const res = await h.request('GET', '/admin/endpoints', key);
      expect(res.status, String(key)).toBe(401);
      expect(res.json).toEqual({ error: 'unauthorized', code: 'ERR_AUTH_UNAUTHORIZED' });
    }
    expect((await h.request('GET', '/admin/endpoints', ADMIN)).status).toBe(200);
    expect((await h.request('GET', '/admin/endpoints/echo/workers', ADMIN)).status).toBe(200);
    // The console acts with its operator's one key: outside the key's `endpoints` scope too.
    expect((await h.request('GET', '/v2/echo/health', ADMIN)).status).toBe(200);
    expect((await h.request('POST', '/v2/echo/run', ADMIN, { input: {} })).status).toBe(200);
    expect((await h.request('POST', '/v2/echo/purge-queue', ADMIN)).status).toBe(200);
  });

  it('lists endpoints with their settings, queue and worker counts', async () => {
    h = await harness();
    await h.request('POST', '/v2/echo/run', CLIENT, { input: 1 });
    await h.request('POST', '/v2/echo/run', CLIENT, { input: 2, policy: { lowPriority: true } });
    await h.store.recordWorker('echo', 'outside-1', { seen: true }, Date.now());
    const { status, json } = await h.request('GET', '/admin/endpoints', ADMIN);
    expect(status).toBe(200);
    expect(json.endpoints.map((e: { id: string }) => e.id)).toEqual(['echo', 'other']);
    expect(json.endpoints[0]).toMatchObject({
      id: 'echo',
      settings: {
        workersMin: 0,
        workersMax: 4,
        idleTimeout: 5,
        scalerType: 'QUEUE_DELAY',
        scalerValue: 4,
        gpuCount: 0,
      },
      queue: { queued: 2, queuedNormal: 1, inProgress: 0 },
      workers: { idle: 1, external: 1, throttled: 0, unhealthy: 0 },
      scaler: { target: 0, decisions: [] },
    });
    expect(json.endpoints[0].settings.worker).toBeNull();
    expect(json.endpoints[0].queue.oldestNormalWaitMs).toBeGreaterThanOrEqual(0);
  });

  it('lists the workers of an endpoint, including those started elsewhere', async () => {
    h = await harness();
    await h.store.recordWorker('echo', 'outside-1', { seen: true, label: 'gpu7' }, Date.now());
    await h.store.recordWorker('echo', 'outside-2', { unhealthy: { check: 'cuda', reason: 'no device' } }, Date.now());
    const { status, json } = await h.request('GET', '/admin/endpoints/echo/workers', ADMIN);
    expect(status).toBe(200);
    expect(json).toMatchObject({ endpointId: 'echo', target: 0, crashLoop: false });
    expect(json.workers).toEqual([
      expect.objectContaining({ workerId: 'outside-1', managed: false, state: 'idle', label: 'gpu7', inFlight: 0 }),
      expect.objectContaining({
        workerId: 'outside-2',
        state: 'unhealthy',
        unhealthy: expect.objectContaining({ check: 'cuda', reason: 'no device' }),
      }),
    ]);
    expect((await h.request('GET', '/admin/endpoints/nope/workers', ADMIN)).json.code).toBe('ERR_ENDPOINT_NOT_FOUND');
  });

  it('changes scaling settings at runtime, with the configuration rules', async () => {
    h = await harness();
    const ok = await h.request('PATCH', '/admin/endpoints/echo', ADMIN, {
      workersMax: 6,
      idleTimeout: 9,
      scalerType: 'REQUEST_COUNT',
      scalerValue: 2,
    });
    expect(ok.status).toBe(200);
    expect(ok.json.settings).toMatchObject({
      workersMax: 6,
      idleTimeout: 9,
      scalerType: 'REQUEST_COUNT',
      scalerValue: 2,
    });
    expect(h.endpoints.get('echo')).toMatchObject({ workersMax: 6, idleTimeout: 9, maxRunBytes: 10 * 1024 * 1024 });

    const cases: [unknown, RegExp][] = [
      [{ workersMin: 7 }, /workersMax: must be at least workersMin/],
      [{ idleTimeout: 0 }, /^idleTimeout: /],
      [{ scalerType: 'FAST' }, /^scalerType: /],
      [{ gpuCount: 1 }, /gpuCount: cannot be changed at runtime/],
      [[1], /JSON object/],
    ];
    for (const [body, message] of cases) {
      const res = await h.request('PATCH', '/admin/endpoints/echo', ADMIN, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.code).toBe('ERR_CONFIG_INVALID');
      expect(res.json.error).toMatch(message);
    }
    expect(h.endpoints.get('echo')).toMatchObject({ workersMin: 0, workersMax: 6 });
    expect((await h.request('PATCH', '/admin/endpoints/echo', ADMIN, '{oops')).json.code).toBe(
      'ERR_REQUEST_INVALID_JSON',
    );
    expect((await h.request('PATCH', '/admin/endpoints/nope', ADMIN, { workersMax: 1 })).status).toBe(404);
  });

  it('reloads the configuration: endpoints added and removed, jobs of removed ones kept', async () => {
    h = await harness();
    const run = await h.request('POST', '/v2/other/run', CLIENT, { input: 'keep me' });
    const id = run.json.id as string;
    h.next.raw = {
      ...RAW,
      server: { ...RAW.server, port: 9999 },
      endpoints: { echo: { workersMax: 5 }, fresh: {} },
    };
    const first = await h.request('POST', '/admin/reload', ADMIN);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      added: ['fresh'],
      changed: ['echo'],
      removed: ['other'],
      unchanged: [],
      restartRequired: ['server'],
      patchesKept: [],
      patchesDropped: [],
    });
    expect((await h.request('GET', `/v2/other/status/${id}`, CLIENT)).status).toBe(404);
    expect((await h.request('GET', '/v2/fresh/health', CLIENT)).status).toBe(200);
    expect(h.endpoints.get('echo')?.workersMax).toBe(5);

    h.next.raw = RAW;
    const second = await h.request('POST', '/admin/reload', ADMIN);
    expect(second.json).toMatchObject({ added: ['other'], removed: ['fresh'], unchanged: [] });
    const status = await h.request('GET', `/v2/other/status/${id}`, CLIENT);
    expect(status.json).toMatchObject({ id, status: 'IN_QUEUE' });
  });

  it('keeps a PATCH across a reload that leaves its endpoint as it was, and drops it once the file changes it', async () => {
    h = await harness();
    await h.request('PATCH', '/admin/endpoints/echo', ADMIN, { workersMax: 9 });
    const same = await h.request('POST', '/admin/reload', ADMIN);
    expect(same.json).toMatchObject({ unchanged: ['echo', 'other'], patchesKept: ['echo'], patchesDropped: [] });
    expect((await h.request('GET', '/admin/endpoints/echo', ADMIN)).json.settings.workersMax).toBe(9);

    h.next.raw = { ...RAW, endpoints: { echo: { workersMax: 4, idleTimeout: 30 }, other: {} } };
    const changed = await h.request('POST', '/admin/reload', ADMIN);
    expect(changed.json).toMatchObject({ changed: ['echo'], patchesKept: [], patchesDropped: ['echo'] });
    expect((await h.request('GET', '/admin/endpoints/echo', ADMIN)).json.settings).toMatchObject({
      workersMax: 4,
      idleTimeout: 30,
    });
  });

  it('refuses a configuration file that breaks the rules, and changes nothing', async () => {
    h = await harness();
    h.next.raw = { ...RAW, endpoints: { echo: { workersMin: 5, workersMax: 2 } } };
    const res = await h.request('POST', '/admin/reload', ADMIN);
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('ERR_CONFIG_INVALID');
    expect(res.json.error).toMatch(/endpoints\.echo\.workersMax/);
    expect(h.endpoints.ids()).toEqual(['echo', 'other']);
  });
});

describe('GET /metrics', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('answers Prometheus text behind its own token, with queue, job and worker metrics', async () => {
    h = await harness();
    expect((await h.request('GET', '/metrics')).status).toBe(401);
    expect((await h.request('GET', '/metrics', CLIENT)).status).toBe(401);
    await h.request('POST', '/v2/echo/run', CLIENT, { input: 1 });
    await h.request('POST', '/v2/echo/run', CLIENT, { input: 2, policy: { lowPriority: true } });
    const cancelled = await h.request('POST', '/v2/echo/run', CLIENT, { input: 3 });
    await h.request('POST', `/v2/echo/cancel/${cancelled.json.id as string}`, CLIENT);
    // A late result for the cancelled job is answered 200 and counted as ignored.
    const late = await h.sluice.app.inject({
      method: 'POST',
      url: `/v2/echo/job-done/w-late/${cancelled.json.id as string}`,
      headers: { authorization: WORKER },
      payload: '{"output":1}',
    });
    expect(late.statusCode).toBe(200);
    const res = await h.sluice.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    for (const line of [
      'sluice_jobs_submitted_total{endpoint="echo"} 3',
      'sluice_jobs_finished_total{endpoint="echo",status="CANCELLED"} 1',
      'sluice_queue_depth{endpoint="echo"} 2',
      'sluice_queue_depth_normal{endpoint="echo"} 1',
      'sluice_queue_depth{endpoint="other"} 0',
      'sluice_jobs_in_progress{endpoint="echo"} 0',
      'sluice_jobs{endpoint="echo",state="inQueue"} 2',
      // The worker that posted late is alive, and idle.
      'sluice_workers{endpoint="echo",state="idle"} 1',
      'sluice_workers{endpoint="echo",state="draining"} 0',
      'sluice_job_delay_seconds_count{endpoint="echo"} 1',
      'sluice_http_requests_total{route="run",code="200"} 3',
      'sluice_worker_posts_ignored_total{endpoint="echo",reason="terminal"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/sluice_queue_oldest_age_seconds\{endpoint="echo"\} \d/);
    expect(text).toContain('# TYPE sluice_job_execution_seconds histogram');
  });
});
