// The worker SDK against both servers it is tested with: the FakeWorkerApi its own suite uses, and the real
// in-process server (createTestApp on a real port). The same scenarios must end the same way on both, so the
// fake cannot drift from what the server does (issue #11, item 9).
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { isTerminal, isTruthy, type JobStatus, type Json } from '@sluice/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../packages/server/src/testing/app-fixture.js';
import type { Handler } from '../../packages/worker/src/handler.js';
import { FakeWorkerApi } from '../../packages/worker/src/testing/fake-worker-api.js';
import { runWorker, type RunningWorker } from '../../packages/worker/src/testing/run-worker.js';

interface Outcome {
  status: JobStatus;
  output?: unknown;
  error?: unknown;
}

/** A server the worker talks to, driven the way each side is: jobs in, outcomes out. */
interface Backend {
  /** The launcher environment (spec §7.1) for worker `w1` of endpoint `ep`. */
  env(): Record<string, string>;
  submit(input: Json): Promise<string>;
  /** Stops a running job: job-stop from the fake, a client cancel on the real server. */
  stop(id: string): Promise<void>;
  outcome(id: string): Promise<Outcome>;
  close(): Promise<void>;
}

async function fakeBackend(): Promise<Backend> {
  const api = await FakeWorkerApi.start();
  return {
    env: () => api.env('w1'),
    submit: (input) => {
      const id = randomUUID();
      api.enqueue({ id, input });
      return Promise.resolve(id);
    },
    stop: (id) => {
      api.stopJobs(id);
      return Promise.resolve();
    },
    // The fake only records what the worker posted; the status follows from it by the protocol's rule (§2.7).
    outcome: async (id) => {
      const posted = (await api.waitForResult(id, 15_000)).json as { output?: unknown; error?: unknown };
      return isTruthy(posted.error) ? { status: 'FAILED', error: posted.error } : { status: 'COMPLETED', ...posted };
    },
    close: () => api.close(),
  };
}

async function realBackend(): Promise<Backend> {
  const t: TestApp = await createTestApp({ server: { workerPollHoldMs: 1000 }, endpoints: { ep: {} } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/v2/ep`;
  return {
    env: () => ({
      RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=cpu`,
      RUNPOD_AI_API_KEY: 'worker-token',
      RUNPOD_POD_HOSTNAME: 'host-1',
      RUNPOD_POD_ID: 'w1',
    }),
    submit: async (input) => (await t.request('POST', '/v2/ep/run', { body: { input } })).json.id as string,
    stop: async (id) => {
      await t.request('POST', `/v2/ep/cancel/${id}`);
    },
    outcome: async (id) => {
      for (;;) {
        const job = (await t.request('GET', `/v2/ep/status-sync/${id}?wait=5000`)).json as Outcome;
        if (isTerminal(job.status)) return job;
      }
    },
    close: () => t.close(),
  };
}

describe.each([
  ['the fake worker API', fakeBackend],
  ['the real server', realBackend],
])('the worker SDK against %s', (_name, open) => {
  let backend: Backend;
  let worker: RunningWorker | undefined;

  beforeEach(async () => {
    backend = await open();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await backend.close();
  });

  function run(handler: Handler, concurrency = 1): void {
    worker = runWorker(backend, { handler, concurrency });
  }

  it('hands the handler the job and delivers what it returns', async () => {
    const seen: unknown[] = [];
    run((job) => {
      seen.push(job);
      return { echoed: job.input };
    });
    const id = await backend.submit({ n: 1 });
    expect(await backend.outcome(id)).toMatchObject({ status: 'COMPLETED', output: { echoed: { n: 1 } } });
    expect(seen).toEqual([expect.objectContaining({ id, input: { n: 1 } })]);
  });

  it('reports a handler that throws as a failure carrying its message', async () => {
    run(() => {
      throw new Error('no GPU memory left');
    });
    const id = await backend.submit('x');
    const outcome = await backend.outcome(id);
    expect(outcome.status).toBe('FAILED');
    expect(JSON.stringify(outcome.error)).toContain('no GPU memory left');
  });

  it('runs jobs side by side up to its concurrency', async () => {
    let running = 0;
    let release!: () => void;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    run(async (job) => {
      if (++running === 2) release();
      await bothIn;
      return job.input;
    }, 2);
    const ids = [await backend.submit(1), await backend.submit(2)];
    expect(await Promise.all(ids.map((id) => backend.outcome(id)))).toMatchObject([
      { status: 'COMPLETED', output: 1 },
      { status: 'COMPLETED', output: 2 },
    ]);
  });

  it('aborts the handler signal when the server stops the job', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let aborted = false;
    run(
      (_job, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve('stopped');
          });
          started();
        }),
    );
    const id = await backend.submit('long');
    await running;
    await backend.stop(id);
    await expect.poll(() => aborted, { timeout: 15_000 }).toBe(true);
  });
});
