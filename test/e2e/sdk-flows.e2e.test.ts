// The client and worker SDKs end to end: a real server process, real worker processes, real time.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type EndpointClient } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const WORKER = { command: 'node', args: ['test/e2e/fixtures/behaviour-worker.mjs'], env: { CONCURRENCY: '2' } };
let server: ServerProcess;
let work: EndpointClient;
let parked: EndpointClient;
const marks = mkdtempSync(join(tmpdir(), 'sluice-marks-'));

beforeAll(async () => {
  server = await startServerProcess({
    config: {
      server: { workerPollHoldMs: 2000, pingIntervalMs: 1000 },
      endpoints: { work: { workersMin: 2, worker: WORKER }, parked: {} },
    },
  });
  const client = createClient({ baseUrl: server.baseUrl });
  work = client.endpoint('work');
  parked = client.endpoint('parked');
  // Both workers have said hello before the tests measure anything.
  await eventually(
    async () => ((await work.health()).workers.ready === 2 ? true : undefined),
    20_000,
    'two ready workers',
  );
}, 30_000);

afterAll(async () => {
  await server.stop();
  removeDir(server.dir);
  removeDir(marks);
});

describe('client and worker SDKs through a real server', () => {
  it('run, then status shows COMPLETED with the handler output', async () => {
    const { id } = await work.run({ action: 'echo', n: 1 });
    const done = await work.waitFor(id);
    expect(done).toMatchObject({ id, status: 'COMPLETED', output: { echo: { action: 'echo', n: 1 } } });
    expect((await work.status(id)).status).toBe('COMPLETED');
    expect(done.workerId).toMatch(/^w-/);
  });

  it('runSync returns the finished job', async () => {
    const done = await work.runSync({ action: 'echo', n: 2 });
    expect(done).toMatchObject({ status: 'COMPLETED', output: { echo: { n: 2 } } });
  });

  it('streams a generator’s chunks in order, exactly once', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const { id } = await work.run({ action: 'stream', items, ms: 30 });
    const stream = work.stream(id);
    const seen: unknown[] = [];
    for await (const item of stream) seen.push(item);
    expect(seen).toEqual(items.map((output) => ({ output })));
    expect((await stream.result).status).toBe('COMPLETED');
    expect((await work.pollStream(id)).stream).toEqual([]);
  });

  it('streams a generator’s chunks as server-sent events over a real connection', async () => {
    const items = ['a', 'b', 'c'];
    const { id } = await work.run({ action: 'stream', items, ms: 30 });
    const res = await fetch(`${server.baseUrl}/v2/work/stream/${id}`, { headers: { accept: 'text/event-stream' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The server closes the stream after `done`, so the whole body arrives.
    const events = (await res.text())
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => Object.fromEntries(block.split('\n').map((line) => line.split(': ', 2) as [string, string])));
    expect(events.filter((e) => e['event'] === 'stream')).toEqual(
      items.map((output, i) => ({ event: 'stream', id: String(i + 1), data: JSON.stringify({ output }) })),
    );
    expect(events.at(-1)).toMatchObject({ event: 'done' });
    expect(JSON.parse(events.at(-1)?.['data'] ?? '{}')).toMatchObject({ id, status: 'COMPLETED' });
  });

  it('shows progress in /status while the job runs', async () => {
    const { id } = await work.run({ action: 'progress', ms: 1500 });
    const running = await eventually(async () => {
      const s = await work.status(id);
      return s.status === 'IN_PROGRESS' && s.output !== undefined ? s : undefined;
    });
    expect(running.output).toEqual({ step: 1 });
    expect((await work.waitFor(id)).output).toEqual({ steps: 1 });
  });

  it('cancels a queued job', async () => {
    const { id } = await parked.run({ action: 'echo' });
    expect((await parked.cancel(id)).status).toBe('CANCELLED');
    expect((await parked.status(id)).status).toBe('CANCELLED');
  });

  it('cancels a running job: the handler’s signal fires and no result is recorded', async () => {
    const markFile = join(marks, 'cancelled');
    const { id } = await work.run({ action: 'sleep', ms: 4000, markFile });
    await eventually(async () => ((await work.status(id)).status === 'IN_PROGRESS' ? true : undefined));
    expect((await work.cancel(id)).status).toBe('CANCELLED');
    await eventually(
      () => Promise.resolve(existsSync(markFile) ? true : undefined),
      10_000,
      'the handler to see its signal',
    );
    const after = await work.status(id);
    expect(after.status).toBe('CANCELLED');
    expect(after).not.toHaveProperty('output');
  });

  it('purges the queue and reports /health counts that match', async () => {
    await parked.run({ action: 'echo' });
    await parked.run({ action: 'echo' });
    expect(await parked.purgeQueue()).toEqual({ removed: 2, status: 'completed' });
    const health = await parked.health();
    expect(health.jobs).toEqual({ completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 });
    const busy = await work.run({ action: 'sleep', ms: 1500 });
    const counted = await eventually(async () => {
      const h = await work.health();
      return h.jobs.inProgress === 1 && h.workers.running === 1 ? h : undefined;
    });
    expect(counted.workers).toMatchObject({ idle: 1, running: 1, ready: 2 });
    await work.waitFor(busy.id);
    const done = await work.health();
    expect(done.workers).toMatchObject({ idle: 2, running: 0 });
    expect(done.jobs.inProgress).toBe(0);
  });

  it('retries a failed job to completion under the same id', async () => {
    const markFile = join(marks, 'fail-once');
    const { id } = await work.run({ action: 'fail-once', markFile });
    const failed = await work.waitFor(id);
    expect(failed.status).toBe('FAILED');
    expect(JSON.parse(failed.error!)).toMatchObject({ error_message: 'first attempt fails' });
    expect(await work.retry(id)).toEqual({ id, status: 'IN_QUEUE' });
    expect(await work.waitFor(id)).toMatchObject({ id, status: 'COMPLETED', retries: 1, output: { attempt: 2 } });
    expect((await work.health()).jobs.retried).toBeGreaterThanOrEqual(1);
  });
});
