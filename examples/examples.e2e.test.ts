// The examples run both ways the docs show: launched by `sluice serve` as worker programs (worker.js calls
// start()), and as handler modules under `sluice worker <handler.ts>`. Needs `npm run build`.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  eventually,
  http,
  removeDir,
  startServerProcess,
  type ServerProcess,
} from '../test/e2e/support/server-process.js';

const BIN = join(REPO_ROOT, 'packages/server/bin/sluice.js');
const TWELVE_OPS = [
  'upper',
  'lower',
  'reverse',
  'title',
  'upper',
  'lower',
  'reverse',
  'title',
  'upper',
  'lower',
  'reverse',
  'title',
];

function sluice(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('examples launched by sluice serve (worker.js calls start())', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess({
      config: {
        server: { workerPollHoldMs: 1000 },
        endpoints: {
          'text-transform': {
            workersMin: 1,
            workersMax: 1,
            worker: { command: process.execPath, args: ['examples/dist/text-transform/worker.js'] },
          },
          'token-stream': {
            workersMin: 1,
            workersMax: 1,
            worker: { command: process.execPath, args: ['examples/dist/token-stream/worker.js'] },
          },
        },
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    if (server) removeDir(server.dir);
  });

  it('text-transform runs twelve sleeping steps with no listener leak', async () => {
    const res = await http('POST', `${server.baseUrl}/v2/text-transform/runsync`, {
      input: { text: 'hello sluice', ops: TWELVE_OPS, delayMs: 5 },
    });
    expect(res.json).toMatchObject({ status: 'COMPLETED', output: { text: 'Eciuls Olleh', words: 2 } });
    expect(server.output()).not.toContain('MaxListenersExceededWarning');
  });

  it('a cancelled text-transform job frees its worker at once', async () => {
    const base = `${server.baseUrl}/v2/text-transform`;
    const { json: queued } = await http('POST', `${base}/run`, {
      input: { text: 'slow', ops: ['upper'], delayMs: 60_000 },
    });
    await eventually(async () =>
      (await http('GET', `${base}/status/${queued.id}`)).json.status === 'IN_PROGRESS' ? true : undefined,
    );
    expect((await http('POST', `${base}/cancel/${queued.id}`)).json.status).toBe('CANCELLED');
    // The one worker takes the next job now, not after the cancelled job's 60 s sleep.
    const next = await http('POST', `${base}/runsync`, { input: { text: 'next' } });
    expect(next.json).toMatchObject({ status: 'COMPLETED', output: { text: 'NEXT' } });
  });

  it('token-stream streams a generator', async () => {
    const base = `${server.baseUrl}/v2/token-stream`;
    const { json: queued } = await http('POST', `${base}/run`, { input: { text: 'one two three', delayMs: 1 } });
    const done = await eventually(async () => {
      const status = await http('GET', `${base}/status/${queued.id}`);
      return status.json.status === 'COMPLETED' ? (status.json as { output: unknown }) : undefined;
    });
    expect(done.output).toEqual(['one', 'two', 'three']);
  });
});

describe('examples as handler modules under sluice worker', () => {
  it('text-transform answers a --test-input run', async () => {
    const job = JSON.stringify({ input: { text: 'abc', ops: TWELVE_OPS, delayMs: 1 } });
    const result = await sluice('worker', 'examples/text-transform/handler.ts', '--test-input', job);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ output: { text: 'Cba', words: 1 } });
    expect(result.stderr).not.toContain('MaxListenersExceededWarning');
  });

  it('token-stream answers a --test-input run with its aggregate stream', async () => {
    const job = JSON.stringify({ input: { text: 'a b', delayMs: 1 } });
    const result = await sluice(
      'worker',
      'examples/token-stream/handler.ts',
      '--return-aggregate-stream',
      '--test-input',
      job,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ output: ['a', 'b'] });
  });
});

describe('the Python example', () => {
  // runpod itself is not installed here (docs/workers.md installs it from requirements.txt): check the syntax.
  const python = spawnSync('python3', ['--version']);
  it.skipIf(python.error !== undefined)('is valid Python', () => {
    const compiled = spawnSync(
      'python3',
      ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', 'examples/python-handler/handler.py'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
  });
});
