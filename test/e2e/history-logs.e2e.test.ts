// Job history and logs through real processes (issue 14): a `sluice serve` on SQLite launching a worker that logs
// the ways workers do, the built `sluice` CLI (`jobs`, `job`, `logs -f`), terminal output on a pseudo-terminal
// and through a pipe, and two servers on one Redis reading each other's logs. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type EndpointClient, type StatusObject } from '@sluice/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePrefix } from '../../packages/server/src/store/redis/delete-prefix.js';
import { describeWithRedis } from '../support/redis.js';
import {
  REPO_ROOT,
  eventually,
  http,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from './support/server-process.js';

const CLI = join(REPO_ROOT, 'packages/server/dist/cli/main.js');
const PREFIX = `sluice-e2e-${randomUUID().slice(0, 8)}`;
const WORKER = { command: 'node', args: ['test/e2e/fixtures/logging-worker.mjs'] };
const ENDPOINT = { workersMin: 1, workersMax: 1, worker: WORKER };

interface LogLine {
  seq: number;
  level: string;
  workerId: string;
  jobId?: string;
  message: string;
}

let server: ServerProcess;
let ep: EndpointClient;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sluice(...args: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SLUICE_URL: server.baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const jsonLines = <T>(text: string): T[] =>
  text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

beforeAll(async () => {
  server = await startServerProcess({
    config: { server: { workerPollHoldMs: 2000, reaperIntervalMs: 250 }, endpoints: { logs: ENDPOINT } },
  });
  ep = createClient({ baseUrl: server.baseUrl }).endpoint('logs');
  // The worker is up once it has completed a job.
  expect(await ep.runSync({ action: 'echo' }, { wait: 30_000 })).toMatchObject({ status: 'COMPLETED' });
});

afterAll(async () => {
  await server?.stop();
  if (server) removeDir(server.dir);
});

describe('job history', () => {
  it('finds a failed job by status=FAILED after the public routes have deleted it', async () => {
    // The ttl deadline deletes a terminal record like retention does, and can be made short (10 s).
    const failed = await ep.runSync({ action: 'fail' }, { wait: 30_000, policy: { ttl: 10_000 } });
    expect(failed.status).toBe('FAILED');
    await eventually(
      async () =>
        (await http('GET', `${server.baseUrl}/v2/logs/status/${failed.id}`)).status === 404 ? true : undefined,
      30_000,
      'public record deleted',
    );
    const listed = await sluice('jobs', 'logs', '--status', 'FAILED', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const jobs = jsonLines<{ id: string; status: string; error: string }>(listed.stdout);
    expect(jobs.map((j) => j.id)).toContain(failed.id);
    expect(jobs.find((j) => j.id === failed.id)?.error).toContain('requested failure');
    const record = await sluice('job', 'logs', failed.id, '--json');
    expect(record.code, record.stderr).toBe(0);
    const detail = JSON.parse(record.stdout) as { live: boolean; input: unknown; timeline: { kind: string }[] };
    expect(detail).toMatchObject({ live: false, input: { action: 'fail' } });
    expect(detail.timeline.map((e) => e.kind)).toEqual(['created', 'claimed', 'finished']);
    const table = await sluice('jobs', 'logs', '--status', 'FAILED', '--pretty');
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+CREATED/);
    expect(table.stdout).toContain(failed.id);
  }, 60_000);

  it('pages across jobs without repeats or gaps while jobs are being added', async () => {
    const first = await Promise.all(Array.from({ length: 9 }, (_, i) => ep.run({ action: 'echo', i })));
    const wanted = new Set(first.map((j) => j.id));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url = `${server.baseUrl}/admin/endpoints/logs/jobs?limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await http('GET', url)).json as {
        jobs: { id: string; createdAt: number }[];
        nextCursor: string | null;
      };
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor;
      await ep.run({ action: 'echo', added: true });
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => wanted.has(id)).sort()).toEqual([...wanted].sort());
  }, 60_000);
});

describe('logs', () => {
  it('files a runpod-python JSON line under its job and a plain stderr line under its worker', async () => {
    const done = await ep.runSync({ action: 'log' }, { wait: 30_000 });
    expect(done.status).toBe('COMPLETED');
    const base = `${server.baseUrl}/admin/endpoints/logs`;
    const job = await eventually(
      async () => {
        const read = (await http('GET', `${base}/jobs/${done.id}/logs`)).json as { lines: LogLine[] };
        // The lines come over two pipes (stdout, stderr) and the SDK's own lines too: wait for the three asked.
        const messages = new Set(read.lines.map((l) => l.message));
        const all = ['python-style line', 'sdk line {"step":1}', 'console line 7'].every((m) => messages.has(m));
        return all ? read.lines : undefined;
      },
      10_000,
      'job lines',
    );
    expect(job.map((l) => [l.level, l.message])).toEqual(
      expect.arrayContaining([
        ['error', 'python-style line'],
        ['info', 'sdk line {"step":1}'],
        ['info', 'console line 7'],
      ]),
    );
    expect(job.every((l) => l.jobId === done.id && l.workerId === done.workerId)).toBe(true);
    const worker = (await http('GET', `${base}/workers/${done.workerId}/logs`)).json as { lines: LogLine[] };
    const plain = worker.lines.find((l) => l.message === 'plain stderr line');
    expect(plain).toMatchObject({ level: 'warn', workerId: done.workerId });
    expect(plain?.jobId).toBeUndefined();
    // The server's own log (JSON, piped) carries the worker's line as real fields at its level.
    const lifted = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((r) => r['msg'] === 'python-style line');
    expect(lifted).toMatchObject({ level: 50, jobId: done.id, workerId: done.workerId });
  }, 60_000);

  it('follows a job log with `sluice logs -f` until the job ends', async () => {
    const job = await ep.run({ action: 'slow-log', ms: 1500 });
    const followed = await sluice('logs', 'logs', '--job', job.id, '-f', '--json');
    expect(followed.code, followed.stderr).toBe(0);
    // The worker SDK's own lines about the job ('started', 'finished') are the job's lines too.
    const mine = jsonLines<LogLine>(followed.stdout).filter((l) => l.message.includes('pause'));
    expect(mine.map((l) => [l.level, l.message, l.jobId])).toEqual([
      ['info', 'before the pause', job.id],
      ['warn', 'after the pause', job.id],
    ]);
    // The follow ended at the job's end with the SDK's last line, written before it posted the result.
    expect(jsonLines<LogLine>(followed.stdout).at(-1)?.message).toBe('finished');
    expect((await ep.status(job.id)).status).toBe('COMPLETED');
    const worker = await sluice('logs', 'logs', '--pretty');
    expect(worker.stdout).toMatch(/WARN\s+w-\S+ \S+ \| after the pause/);
  }, 60_000);

  it('ends a follow when the job ends though its worker writes no last line (cancelled mid-handler)', async () => {
    const job = await ep.run({ action: 'slow-log', ms: 60_000 });
    const child = spawn(process.execPath, [CLI, 'logs', 'logs', '--job', job.id, '-f', '--json'], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLUICE_URL: server.baseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await eventually(
        () => Promise.resolve(out.includes('before the pause') ? true : undefined),
        30_000,
        'first line followed',
      );
      expect((await ep.cancel(job.id)).status).toBe('CANCELLED');
      expect(await closed).toBe(0);
    } finally {
      child.kill();
    }
    const messages = jsonLines<LogLine>(out).map((l) => l.message);
    expect(messages).toContain('before the pause');
    expect(messages).not.toContain('after the pause');
  }, 60_000);
});

describe('terminal output', () => {
  it('is pretty on a pseudo-terminal and JSON when piped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-pty-'));
    const config = join(dir, 'sluice.json');
    writeFileSync(
      config,
      JSON.stringify({ server: { port: 0 }, store: { kind: 'sqlite', path: join(dir, 'db') }, endpoints: {} }),
    );
    // util-linux `script` gives the server a pseudo-terminal as its stdout.
    const child = spawn('script', ['-qfec', `${process.execPath} ${CLI} serve --config ${config}`, '/dev/null'], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await eventually(
        () => Promise.resolve(out.includes('No endpoints configured') ? true : undefined),
        20_000,
        'pty start',
      );
      expect(out).toMatch(/WARN.*auth is off/);
      expect(out).not.toMatch(/^\{"level"/m);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      removeDir(dir);
    }
    // startServerProcess pipes the output: JSON lines.
    expect(server.output()).toMatch(/^\{"level":40,.*"msg":"auth is off/m);
  }, 60_000);
});

describeWithRedis('two servers on one Redis', (redisUrl) => {
  let a: ServerProcess;
  let b: ServerProcess;
  const redisConfig = (endpoint: Record<string, unknown>) => ({
    server: { workerPollHoldMs: 2000 },
    store: { kind: 'redis', url: redisUrl, prefix: PREFIX },
    endpoints: { logs: endpoint },
  });

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startServerProcess({ config: redisConfig({}) }),
      startServerProcess({ config: redisConfig(ENDPOINT) }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const s of [a, b]) if (s) removeDir(s.dir);
    await deletePrefix(redisUrl, PREFIX);
  });

  it("sees each other's logs and history, and follows them live", async () => {
    const onA = createClient({ baseUrl: a.baseUrl }).endpoint('logs');
    const done: StatusObject = await onA.runSync({ action: 'log' }, { wait: 30_000 });
    expect(done.status).toBe('COMPLETED');
    const lines = await eventually(
      async () => {
        const read = (await http('GET', `${a.baseUrl}/admin/endpoints/logs/jobs/${done.id}/logs`)).json as {
          lines: LogLine[];
        };
        return read.lines.some((l) => l.message === 'python-style line') ? read.lines : undefined;
      },
      10_000,
      'lines written by B, read on A',
    );
    expect(lines.every((l) => l.workerId === done.workerId)).toBe(true);
    const listed = (await http('GET', `${a.baseUrl}/admin/endpoints/logs/jobs?status=COMPLETED`)).json as {
      jobs: { id: string }[];
    };
    expect(listed.jobs.map((j) => j.id)).toContain(done.id);

    const slow = await onA.run({ action: 'slow-log', ms: 1500 });
    const followed = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'logs', 'logs', '--job', slow.id, '-f', '--json'], {
        cwd: REPO_ROOT,
        env: { ...process.env, SLUICE_URL: a.baseUrl },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('close', () => resolve(out));
    });
    const messages = jsonLines<LogLine>(followed).map((l) => l.message);
    expect(messages.filter((m) => m.includes('pause'))).toEqual(['before the pause', 'after the pause']);
    // Ended on B, followed on A: A's follow ends after B's worker's last line.
    expect(messages.at(-1)).toBe('finished');
  }, 90_000);
});
