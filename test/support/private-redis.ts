// The real probes behind resolveRedis: PING a Redis URL, find redis-server on PATH, and start a private
// redis-server for one test run (free port, temp dir, no persistence). The private server is stopped by the
// global teardown; should the run end another way (Ctrl-C, an uncaught error), an exit hook kills it, and a
// terminal's Ctrl-C also reaches it directly, since it stays in the run's process group.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface PrivateRedis {
  url: string;
  /** Kills the server, waits for it to exit and removes its directory. */
  stop(): Promise<void>;
}

const READY = 'Ready to accept connections';
const START_TIMEOUT_MS = 20_000;

/** Starts redis-server on a free port; retries on a new port if another process took it first. */
export async function startPrivateRedis(binary: string, attempts = 3): Promise<PrivateRedis> {
  let failure: Error | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      return await startOnce(binary, await freePort());
    } catch (err) {
      failure = err as Error;
    }
  }
  throw failure ?? new Error('redis-server did not start');
}

async function startOnce(binary: string, port: number): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-test-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const child = spawn(binary, [...args, '--logfile', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      const settle = (err?: Error) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(READY)) settle();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('error', settle);
      child.once('exit', (code) => settle(new Error(`redis-server exited with code ${code}: ${output.trim()}`)));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  // Nothing more is read; unread output must not fill the pipe and stall the server.
  child.stdout.resume();
  child.stderr.resume();
  return { url: `redis://127.0.0.1:${port}`, stop };
}
