// The built `sluice` CLI against a real server whose endpoint runs `sluice worker <handler.ts>`: proves the
// TypeScript worker path end to end, and the client commands' JSON output and exit codes. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthObject, StatusObject } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  eventually,
  http,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../../../../test/e2e/support/server-process.js';

const CLI = join(REPO_ROOT, 'packages/server/dist/cli/main.js');
const CLIENT_KEY = 'cli-e2e-client-key-0123456789';

// TypeScript-only syntax throughout (interfaces, annotations, satisfies), so plain `node` could not load it.
const HANDLER_TS = `
interface Input { x?: number; chunks?: number; sleepMs?: number; fail?: string; steps?: number }
interface Context { signal: AbortSignal; progress(value: unknown): Promise<void> }

async function* chunks(count: number): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) yield \`chunk-\${i}\`;
}

async function settle(input: Input, ctx: Context): Promise<{ echo: Input }> {
  for (let step = 1; step <= (input.steps ?? 0); step++) {
    await ctx.progress({ step, of: input.steps });
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  if (input.sleepMs !== undefined) {
    await ctx.progress({ phase: 'sleeping' });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, input.sleepMs);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
    });
  }
  if (input.fail !== undefined) throw new TypeError(input.fail);
  return { echo: input } satisfies { echo: Input };
}

export default function handler(job: { id: string; input: Input }, ctx: Context) {
  return job.input.chunks !== undefined ? chunks(job.input.chunks) : settle(job.input, ctx);
}
`;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let handlerFile: string;
let server: ServerProcess;

/** Runs the built CLI to its exit; never rejects, so tests can assert on failing exit codes. */
function sluice(...args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLUICE_URL: server?.baseUrl ?? '', SLUICE_API_KEY: CLIENT_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** The one JSON document a successful command printed. */
function json<T = StatusObject>(result: CliResult): T {
  expect(result.stderr, result.stdout).toBe('');
  return JSON.parse(result.stdout) as T;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sluice-cli-e2e-'));
  handlerFile = join(dir, 'handler.ts');
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  writeFileSync(handlerFile, HANDLER_TS);
  server = await startServerProcess({
    dir,
    config: {
      server: { workerPollHoldMs: 1000 },
      auth: { keys: [{ name: 'app', key: CLIENT_KEY }] },
      endpoints: {
        ts: {
          workersMin: 1,
          workersMax: 1,
          worker: { command: process.execPath, args: [CLI, 'worker', handlerFile] },
        },
      },
    },
  });
});

afterAll(async () => {
  await server?.stop();
  removeDir(dir);
});

describe('sluice worker with a TypeScript handler, driven by sluice client commands', () => {
  it('runs a job to COMPLETED with run --wait --json', async () => {
    const final = json(await sluice('run', 'ts', '{"x":1}', '--wait', '--json'));
    expect(final).toMatchObject({ status: 'COMPLETED', output: { echo: { x: 1 } } });
    expect(final.id).toMatch(/^sync-/);
    expect(final.workerId).toMatch(/^w-/);
  });

  it('prints stream items as JSON lines', async () => {
    const queued = json(await sluice('run', 'ts', '{"chunks":3}', '--json'));
    expect(queued.status).toBe('IN_QUEUE');
    const streamed = await sluice('stream', 'ts', queued.id, '--json');
    expect(streamed.code).toBe(0);
    expect(
      streamed.stdout
        .trimEnd()
        .split('\n')
        .map((line): unknown => JSON.parse(line)),
    ).toEqual([{ output: 'chunk-0' }, { output: 'chunk-1' }, { output: 'chunk-2' }]);
  });

  it('shows a live view with --pretty, ending with the final status', async () => {
    const watched = await sluice('run', 'ts', '{"chunks":2}', '--wait', '--pretty');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/^\[[^\]]+\] IN_QUEUE\n/);
    expect(watched.stdout).toContain('chunk-0\nchunk-1\n');
    expect(watched.stdout).toMatch(/status:\s+COMPLETED\n/);
    // A generator without an aggregate result: its stream was printed, so no `output: []` after it.
    expect(watched.stdout).not.toMatch(/output:\s+\[\]/);
  });

  it('shows every progress update as a bar, followed over server-sent events', async () => {
    const watched = await sluice('run', 'ts', '{"steps":3}', '--wait', '--pretty');
    expect(watched.code, watched.stderr).toBe(0);
    const bars = watched.stdout.split('\n').filter((line) => line.includes('progress ['));
    expect(bars.map((line) => /(\d+)%/.exec(line)?.[1])).toEqual(['33', '67', '100']);
  });

  it('prints the stream of a generator instead of "output": [] with run --wait --json', async () => {
    const final = json<StatusObject & { stream?: unknown[] }>(
      await sluice('run', 'ts', '{"chunks":2}', '--wait', '--json'),
    );
    expect(final.status).toBe('COMPLETED');
    expect(final).not.toHaveProperty('output');
    expect(final.stream).toEqual([{ output: 'chunk-0' }, { output: 'chunk-1' }]);
  });

  it('cancels a running job; waiting on it then exits 1', async () => {
    const queued = json(await sluice('run', 'ts', '{"sleepMs":20000}'));
    const statusUrl = `${server.baseUrl}/v2/ts/status/${queued.id}`;
    const auth = { authorization: `Bearer ${CLIENT_KEY}` };
    await eventually(
      async () => ((await http('GET', statusUrl, undefined, auth)).json.status === 'IN_PROGRESS' ? true : undefined),
      10_000,
      'the job to start',
    );
    const cancelled = json(await sluice('cancel', 'ts', queued.id));
    expect(cancelled).toMatchObject({ id: queued.id, status: 'CANCELLED', workerId: expect.stringMatching(/^w-/) });
    const waited = await sluice('status', 'ts', queued.id, '--wait', '--json');
    expect(waited.code).toBe(1);
    expect(JSON.parse(waited.stdout)).toMatchObject({ status: 'CANCELLED' });
    expect(waited.stderr).toBe(`sluice: job ${queued.id} ended CANCELLED\n`);
  });

  it("exits 1 with the handler's error when a waited job fails", async () => {
    const failed = await sluice('run', 'ts', '{"fail":"no good"}', '--wait');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'FAILED' });
    expect(failed.stderr).toMatch(/^sluice: job sync-\S+ ended FAILED: TypeError: no good\n$/);
  });

  it('reports health as JSON', async () => {
    const health = json<HealthObject>(await sluice('health', 'ts'));
    expect(health.jobs.completed).toBeGreaterThanOrEqual(3);
    expect(Object.keys(health.workers)).toContain('ready');
  });

  it('exits 1 on an HTTP error and 2 on a usage error, sending nothing', async () => {
    const missing = await sluice('status', 'ts', 'no-such-job');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^sluice: .*\(HTTP 404\)\n$/);
    const usage = await sluice('run', 'ts', '{not json');
    expect(usage).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('sluice worker --test-input', () => {
  it('runs the TypeScript handler once locally and prints the result', async () => {
    const passed = await sluice('worker', handlerFile, '--test-input', '{"input":{"x":7}}');
    expect(passed.code).toBe(0);
    expect(JSON.parse(passed.stdout)).toEqual({ output: { echo: { x: 7 } } });
    const failed = await sluice('worker', handlerFile, '--test-input', '{"input":{"fail":"bad"}}');
    expect(failed.code).toBe(1);
    expect(JSON.parse(JSON.parse(failed.stdout).error)).toMatchObject({ error_message: 'bad' });
  });
});
