// Starts a real `sluice serve` process (the built CLI) with a generated config, as test/e2e does, and
// gives the scenarios its URL, its memory, its /health, and a way to stop, kill or restart it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHttpClient } from './http-client.js';
import { memoryMb, openFds, spawnProcess } from './processes.js';
import { waitFor } from './stats.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(REPO_ROOT, 'packages/server/dist/cli/main.js');
const WORKER_SCRIPTS = {
  sdk: join(REPO_ROOT, 'bench/workers/sluice-noop-worker.js'),
  raw: join(REPO_ROOT, 'bench/workers/raw-http-worker.js'),
  stream: join(REPO_ROOT, 'bench/workers/sluice-stream-worker.js'),
};
export const workerScript = (kind) => WORKER_SCRIPTS[kind];
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * An endpoint with no rate limits (a benchmark is not abuse), optionally with launched workers: `sdk`
 * (@sluice/worker, no-op) or `raw` (a bare node:http loop, to tell the SDK's share of a cost from the server's),
 * or `stream` (a @sluice/worker generator).
 */
export function benchEndpoint({ workers = 0, concurrency = 1, kind = 'sdk' } = {}) {
  const endpoint = { rateLimits: false };
  if (workers > 0) {
    Object.assign(endpoint, {
      workersMin: workers,
      workersMax: workers,
      worker: {
        command: process.execPath,
        args: [WORKER_SCRIPTS[kind]],
        cwd: REPO_ROOT,
        env: { BENCH_CONCURRENCY: String(concurrency), RUNPOD_DEBUG_LEVEL: 'WARN' },
      },
    });
  }
  return endpoint;
}

/**
 * Starts `sluice serve`. `store` is 'sqlite' (a file in `dir`, synchronous NORMAL, the default) or 'redis'
 * (a unique key prefix). `profileDir` runs it under `node --cpu-prof`; the profile is written when it stops.
 */
export async function startSluice({ endpoints, store = 'sqlite', dir, server = {}, profileDir, redisPrefix }) {
  const workDir = dir ?? mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const storeConfig =
    store === 'redis'
      ? { kind: 'redis', url: REDIS_URL, prefix: redisPrefix ?? `sluice-bench-${process.pid}-${Date.now()}` }
      : { kind: 'sqlite', path: join(workDir, 'sluice.db') };
  const config = {
    server: { host: '127.0.0.1', port: 0, ...server },
    store: storeConfig,
    log: { level: 'warn' },
    endpoints,
  };
  const configPath = join(workDir, 'sluice.json');
  writeFileSync(configPath, JSON.stringify(config));
  const nodeArgs = [];
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  }
  const spawnServer = () =>
    spawnProcess(process.execPath, [...nodeArgs, CLI, 'serve', '--config', configPath], {
      cwd: REPO_ROOT,
      ready: /Sluice is serving .* on (http:\/\/[^\s]+)\./,
      label: `sluice serve (${store})`,
    });
  let proc;
  try {
    proc = await spawnServer().catch((err) => {
      // A build without per-endpoint rate limits has nothing to turn off.
      if (!/Unrecognized key: "rateLimits"/.test(String(err.message))) throw err;
      for (const endpoint of Object.values(config.endpoints)) delete endpoint.rateLimits;
      writeFileSync(configPath, JSON.stringify(config));
      return spawnServer();
    });
  } catch (err) {
    if (!dir) rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  const baseUrl = proc.ready[1];
  const client = createHttpClient(baseUrl, { maxSockets: 64 });
  const sluice = {
    baseUrl,
    pid: proc.pid,
    dir: workDir,
    store: storeConfig,
    http: client,
    output: proc.output,
    memory: () => memoryMb(proc.pid),
    fds: () => openFds(proc.pid),
    health: (endpointId) => client.json('GET', `/v2/${endpointId}/health`),
    /** Resolves once `count` workers of `endpointId` have polled (they are warm and long-polling). */
    waitForWorkers: (endpointId, count, timeoutMs = 30_000) =>
      waitFor(async () => ((await sluice.health(endpointId)).workers.ready >= count ? true : undefined), {
        timeoutMs,
        what: `${count} workers on ${endpointId}`,
      }),
    /** Resolves once the endpoint has nothing queued or running. */
    waitForIdle: (endpointId, timeoutMs = 120_000) =>
      waitFor(
        async () => {
          const { jobs } = await sluice.health(endpointId);
          return jobs.inQueue === 0 && jobs.inProgress === 0 ? jobs : undefined;
        },
        { timeoutMs, everyMs: 20, what: `${endpointId} to drain` },
      ),
    /** Graceful stop (SIGTERM: drains workers, writes the CPU profile). Keeps the directory. */
    async stop() {
      client.close();
      const code = await proc.stop();
      removeWorkerHome(proc.pid);
      return code;
    },
    /** kill -9, the way a crash ends it. */
    async kill() {
      client.close();
      await proc.kill();
      removeWorkerHome(proc.pid);
    },
    removeDir() {
      if (!dir) rmSync(workDir, { recursive: true, force: true });
    },
  };
  return sluice;
}

/** The launcher gives workers an empty HOME under the temp dir, named after the server's pid; it stays behind. */
function removeWorkerHome(pid) {
  rmSync(join(tmpdir(), `sluice-worker-home-${pid}`), { recursive: true, force: true });
}
