// Worker ids and leases (spec §7.2, §6.4): an id that still holds a template variable is refused before any job
// is leased to it, and a post for a job leased to another worker id is answered 200 and ignored, but not silently.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type SluiceApp } from '../../app.js';
import { resolveConfig } from '../../config/load-config.js';
import type { SluiceStore } from '../../store/sluice-store.js';
import { openSqliteJobStore } from '../../store/sqlite/sqlite-job-store.js';

const W = '/v2/echo';
let dir: string;
let store: SluiceStore;
let sluice: SluiceApp;
let lines: { level: number; msg: string; workerId?: string; jobId?: string }[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-test-'));
  store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
  lines = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
      done();
    },
  });
  const config = resolveConfig({ server: { workerPollHoldMs: 1000 }, endpoints: { echo: {} } });
  sluice = createApp({ store, config, logger: pino({ level: 'info' }, sink) });
  await sluice.app.ready();
});
afterEach(async () => {
  sluice.endHolds();
  await sluice.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST', url: string, body?: unknown) {
  const res = await sluice.app.inject({ method, url, payload: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.statusCode, json: res.body ? res.json<Record<string, unknown>>() : undefined };
}

const warnings = (text: string) => lines.filter((line) => line.level === 40 && line.msg.includes(text));

describe('a worker id holding a template variable', () => {
  it('is answered 400 on every worker route, logged once, and leased nothing', async () => {
    const id = (await call('POST', `${W}/run`, { input: 1 })).json?.['id'] as string;
    // As runpod-python sends it: $RUNPOD_POD_ID is not substituted in RUNPOD_WEBHOOK_GET_JOB (spec §7.2).
    const take = await call('GET', `${W}/job-take/$RUNPOD_POD_ID&job_in_progress=0`);
    expect(take).toEqual({
      status: 400,
      json: { error: 'workerId is invalid; a template variable was not substituted', code: 'ERR_WORKER_ID_INVALID' },
    });
    for (const url of [
      `${W}/job-take-batch/$RUNPOD_POD_ID?batch_size=2`,
      `${W}/job-stop/$RUNPOD_POD_ID`,
      `${W}/ping/%24RUNPOD_POD_ID?job_id=${id}`,
    ]) {
      expect((await call('GET', url)).status, url).toBe(400);
    }
    expect((await call('POST', `${W}/job-done/$RUNPOD_POD_ID/${id}`, { output: 1 })).status).toBe(400);
    expect((await call('GET', `${W}/status/${id}`)).json?.['status']).toBe('IN_QUEUE');
    expect(await store.listWorkers('echo')).toEqual([]);
    expect(warnings('template variable')).toHaveLength(1);
    expect(warnings('template variable')[0]).toMatchObject({ workerId: '$RUNPOD_POD_ID' });
  });
});

describe('a post for a job leased to another worker id', () => {
  it('is answered 200 {}, changes nothing, and is logged once per worker and job', async () => {
    const id = (await call('POST', `${W}/run`, { input: 1 })).json?.['id'] as string;
    expect((await call('GET', `${W}/job-take/pod-taker`)).json?.['id']).toBe(id);
    for (let i = 0; i < 3; i++) {
      expect(await call('POST', `${W}/job-stream/pod-real/${id}?isStream=false`, { output: i })).toEqual({
        status: 200,
        json: {},
      });
    }
    expect((await call('POST', `${W}/job-done/pod-real/${id}?isStream=false`, { output: 'x' })).status).toBe(200);
    expect((await call('GET', `${W}/status/${id}`)).json).toMatchObject({
      status: 'IN_PROGRESS',
      workerId: 'pod-taker',
    });
    expect(warnings('leased to another worker id')).toEqual([
      expect.objectContaining({ workerId: 'pod-real', jobId: id, leasedTo: 'pod-taker' }),
    ]);
    await call('POST', `${W}/job-done/pod-other/${id}`, { output: 'y' });
    expect(warnings('leased to another worker id')).toHaveLength(2);
  });
});
