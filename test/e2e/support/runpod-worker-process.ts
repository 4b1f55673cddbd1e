// Starts fixtures/runpod-python-worker.mjs, a worker speaking the protocol as runpod-python 1.12 does, with the
// environment the launcher would give it (spec §7.1), and lets a test wait on the lines it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './server-process.js';

const FIXTURE = join(REPO_ROOT, 'test/e2e/fixtures/runpod-python-worker.mjs');

export interface RunpodWorker {
  child: ChildProcess;
  lines(): string[];
  /** Resolves with the first printed line matching `pattern` (also one printed earlier); rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(): Promise<void>;
}

export interface RunpodWorkerOptions {
  baseUrl: string;
  endpointId: string;
  workerId: string;
  token: string;
  pingIntervalMs: number;
  /** The job-take template; default `{base}/v2/{ep}/job-take/$ID?gpu=cpu` (spec §7.1). */
  getJobTemplate?: string;
  env?: Record<string, string>;
}

export function startRunpodWorker(options: RunpodWorkerOptions): RunpodWorker {
  const ep = `${options.baseUrl}/v2/${options.endpointId}`;
  const child = spawn(process.execPath, [FIXTURE], {
    env: {
      PATH: process.env['PATH'] ?? '',
      RUNPOD_WEBHOOK_GET_JOB: options.getJobTemplate ?? `${ep}/job-take/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${ep}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_POST_STREAM: `${ep}/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_PING: `${ep}/ping/$RUNPOD_POD_ID?gpu=cpu`,
      RUNPOD_AI_API_KEY: options.token,
      RUNPOD_POD_ID: options.workerId,
      RUNPOD_PING_INTERVAL: String(options.pingIntervalMs),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const printed: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    printed.push(...parts);
    for (const check of [...waiters]) check();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines: () => [...printed],
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = printed.find((l) => pattern.test(l));
          if (line === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`worker printed no line matching ${pattern}:\n${printed.join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async kill() {
      // SIGKILL: a SIGTERM'd worker would first wait out the polls it holds.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
