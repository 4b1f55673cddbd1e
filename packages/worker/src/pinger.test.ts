// Integration: heartbeats (spec §6.7) against the fake worker API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWorkerApi } from './testing/fake-worker-api.js';
import { runWorker, type RunningWorker } from './testing/run-worker.js';

let api: FakeWorkerApi;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  api = await FakeWorkerApi.start();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await api.close();
});

describe('pings', () => {
  it('carry the ids in flight (comma-joined), the version and the raw token', async () => {
    api.enqueue({ id: 'j1', input: {} }, { id: 'j2', input: {} });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    worker = runWorker(api, { concurrency: 2, handler: () => held.then(() => 'ok') });
    const busy = await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1,j2');
    expect(busy.workerId).toBe('w1');
    expect(busy.query.get('runpod_version')).toBe('1.12.0-sluice');
    expect(busy.query.get('gpu')).toBe('cpu');
    expect(busy.headers['authorization']).toBe('worker-token');
    release();
    await api.waitForResult('j2');
    await api.waitForResult('j1');
    // Once both results are delivered, pings go out without job_id (a ping already under way may still list them).
    const idle = await api.waitFor((r) => r.route === 'ping' && !r.query.has('job_id') && r.at > busy.at);
    expect(idle.query.get('runpod_version')).toBe('1.12.0-sluice');
  });

  it('go on while a synchronous-looking handler keeps the job busy', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let release!: () => void;
    worker = runWorker(api, { handler: () => new Promise<string>((resolve) => (release = () => resolve('ok'))) });
    await api.waitFor(() => api.of('ping').filter((r) => r.query.get('job_id') === 'j1').length >= 3);
    release();
    await api.waitForResult('j1');
  });

  it('are not sent without RUNPOD_POD_ID, and the worker uses a random id', async () => {
    const env = api.env(null);
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { env, handler: () => 'ok' });
    const done = await api.waitForResult('j1');
    expect(done.workerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(api.of('ping')).toHaveLength(0);
  });

  it('are not sent without RUNPOD_AI_API_KEY, and requests carry no Authorization', async () => {
    const env = api.env();
    delete env['RUNPOD_AI_API_KEY'];
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { env, handler: () => 'ok' });
    const done = await api.waitForResult('j1');
    expect(done.headers['authorization']).toBeUndefined();
    expect(api.of('ping')).toHaveLength(0);
  });
});
