// Starts a real `sluice serve` process on a free port with a temp SQLite file, for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(REPO_ROOT, 'packages/server/dist/cli/main.js');

export interface ServerProcess {
  baseUrl: string;
  child: ChildProcess;
  dir: string;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for exit (SIGKILL after 20 s); returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  /** Config object (written as JSON); `server.port` defaults to 0, `store` to a SQLite file in `dir`. */
  config: Record<string, unknown>;
  /** Reuse a directory (and so its database) from an earlier process. */
  dir?: string;
  env?: Record<string, string>;
}

export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sluice-e2e-'));
  const config = {
    ...options.config,
    server: { host: '127.0.0.1', port: 0, ...(options.config['server'] as object | undefined) },
    store: options.config['store'] ?? { kind: 'sqlite', path: join(dir, 'sluice.db') },
    log: { level: 'info' },
  };
  const configPath = join(dir, 'sluice.json');
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the workers it launched can be reaped with it (see reapGroup).
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = () => {
      const match = /Sluice is serving .* on (http:\/\/[^\s]+)\.|No endpoints configured/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolveUrl(match[1] ?? '');
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    baseUrl,
    child,
    dir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      reapGroup(child);
      return code;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      reapGroup(child);
    },
  };
}

/**
 * A server killed with SIGKILL leaves its workers running, as on a real machine; a test must not, so once
 * the server is gone every process left in its group is killed too.
 */
function reapGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // No process left in the group.
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}
