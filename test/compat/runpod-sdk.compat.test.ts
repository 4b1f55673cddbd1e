// The official `runpod-sdk` npm client, unmodified, against a real Sluice process with real example workers.
import runpodSdk from 'runpod-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';

const API_KEY = 'compat-key-0123456789';
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({
    config: {
      server: { workerPollHoldMs: 2000, pingIntervalMs: 1000 },
      auth: { keys: [{ name: 'sdk', key: API_KEY }] },
      endpoints: {
        transform: { workersMin: 1, worker: { command: 'node', args: ['examples/dist/text-transform/worker.js'] } },
        tokens: { workersMin: 1, worker: { command: 'node', args: ['examples/dist/token-stream/worker.js'] } },
        idle: {},
      },
    },
  });
}, 30_000);

afterAll(async () => {
  await server.stop();
  removeDir(server.dir);
});

function sdk() {
  // A trailing slash makes runpod-sdk send `//`, which Sluice collapses (spec §1.1).
  return runpodSdk(API_KEY, { baseUrl: `${server.baseUrl}/v2/` });
}

describe('runpod-sdk 1.1.2 against Sluice', () => {
  it('runSync returns the completed output', async () => {
    const out = await sdk()
      .endpoint('transform')!
      .runSync({ input: { text: 'hello sdk', ops: ['upper'] } });
    expect(out).toMatchObject({ status: 'COMPLETED', output: { text: 'HELLO SDK', words: 2 } });
    expect(out.id).toMatch(/^sync-/);
  });

  it('run, status and statusSync follow a job to completion', async () => {
    const ep = sdk().endpoint('transform')!;
    const run = await ep.run({ input: { text: 'abc', ops: ['reverse', 'upper'] } });
    expect(run).toEqual({ id: expect.any(String), status: 'IN_QUEUE' });
    const done = await ep.statusSync(run.id, 20_000);
    expect(done).toMatchObject({ id: run.id, status: 'COMPLETED', output: { text: 'CBA' } });
    const status = await ep.status(run.id);
    expect(status).toMatchObject({ status: 'COMPLETED', started: true, completed: true, succeeded: true });
  });

  it('stream yields every token once, in order', async () => {
    const ep = sdk().endpoint('tokens')!;
    const { id } = await ep.run({ input: { text: 'one two three four', delayMs: 20 } });
    const items: unknown[] = [];
    for await (const item of ep.stream(id)) items.push(item);
    expect(items).toEqual([{ output: 'one' }, { output: 'two' }, { output: 'three' }, { output: 'four' }]);
    expect(await ep.status(id)).toMatchObject({ status: 'COMPLETED', output: ['one', 'two', 'three', 'four'] });
  });

  it('cancel, purgeQueue and health work on an endpoint with no workers', async () => {
    const ep = sdk().endpoint('idle')!;
    const a = await ep.run({ input: 1 });
    await ep.run({ input: 2 });
    await ep.run({ input: 3 });
    expect(await ep.cancel(a.id)).toMatchObject({ id: a.id, status: 'CANCELLED' });
    expect(await ep.purgeQueue()).toEqual({ removed: 2, status: 'completed' });
    expect(await ep.health()).toEqual({
      jobs: { completed: 0, failed: 0, inProgress: 0, inQueue: 0, retried: 0 },
      workers: { idle: 0, initializing: 0, ready: 0, running: 0, throttled: 0, unhealthy: 0 },
    });
  });

  it('surfaces a handler error as FAILED with the runpod-python error shape', async () => {
    const out = await sdk()
      .endpoint('transform')!
      .runSync({ input: { text: 'x', fail: 'boom' } });
    expect(out.status).toBe('FAILED');
    const error = JSON.parse((out as unknown as { error: string }).error);
    expect(error).toMatchObject({ error_message: 'boom' });
  });
});
