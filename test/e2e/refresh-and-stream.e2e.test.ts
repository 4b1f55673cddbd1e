// runpod-python's refresh_worker on a GPU endpoint, and its Job.stream() hard read timeout, against real server
// and worker processes (spec §6.2, §1.5, §4.5).
import { afterEach, describe, expect, it } from 'vitest';
import { startRunpodWorker, type RunpodWorker } from './support/runpod-worker-process.js';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const HOLD = 20_000;
let server: ServerProcess | undefined;
let worker: RunpodWorker | undefined;
afterEach(async () => {
  await worker?.kill();
  await server?.stop();
  if (server) removeDir(server.dir);
  server = worker = undefined;
});

async function completed(base: string, endpointId: string, id: string): Promise<Record<string, unknown>> {
  return eventually(
    async () => {
      const job = (await http('GET', `${base}/v2/${endpointId}/status/${id}`)).json as Record<string, unknown>;
      return job['status'] === 'COMPLETED' ? job : undefined;
    },
    25_000,
    `job ${id} COMPLETED`,
  );
}

describe('refresh_worker on a one-GPU endpoint', () => {
  it('hands the GPU on right after each job, and counts the refreshed workers as not ready', async () => {
    const worker = {
      command: 'node',
      args: ['test/e2e/fixtures/runpod-python-worker.mjs'],
      env: { REFRESH_WORKER: '1' },
    };
    server = await startServerProcess({
      config: {
        server: { gpus: [0], workerPollHoldMs: HOLD, pingIntervalMs: 1000 },
        endpoints: { gpu: { workersMin: 0, workersMax: 1, gpuCount: 1, worker } },
      },
    });
    const base = server.baseUrl;
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await http('POST', `${base}/v2/gpu/run`, { input: { output: i } })).json.id as string;
      delays.push((await completed(base, 'gpu', id)).delayTime as number);
    }
    // Each job waits for a worker to start, never for the last one's held job-stop poll (a hold is 20 s).
    for (const delay of delays) expect(delay).toBeLessThan(HOLD / 2);
    const health = (await http('GET', `${base}/v2/gpu/health`)).json;
    expect(health.workers.ready).toBeLessThanOrEqual(1);
    expect(health.workers.idle).toBeLessThanOrEqual(1);
  });
});

describe("runpod-python's Job.stream()", () => {
  it('gets every item without its hard 10 s read timeout firing', async () => {
    const token = 'worker-token-0123456789';
    server = await startServerProcess({
      config: {
        auth: {
          keys: [
            { name: 'box', key: token, kind: 'worker', endpoints: ['gen'] },
            { name: 'app', key: 'client-key-0123456789' },
          ],
        },
        endpoints: { gen: {} },
      },
    });
    const base = server.baseUrl;
    const client = { authorization: 'Bearer client-key-0123456789' };
    worker = startRunpodWorker({ baseUrl: base, endpointId: 'gen', workerId: 'pod-g', token, pingIntervalMs: 1000 });
    const id = (await http('POST', `${base}/v2/gen/run`, { input: { ms: 11_000, items: ['A'] } }, client)).json
      .id as string;
    // As Job.stream() reads: no `wait`, a 10 s read timeout, stop on a terminal status with an empty stream.
    const items: unknown[] = [];
    for (;;) {
      const res = await fetch(`${base}/v2/gen/stream/${id}`, { headers: client, signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { status: string; stream: unknown[] };
      items.push(...body.stream);
      if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(body.status) && body.stream.length === 0) break;
    }
    expect(items).toEqual([{ output: 'A' }]);
  });
});
