// Local test mode (`--test_input`, `--test_input_file`, options.testInput): no server, result on stdout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { start } from './start.js';
import { runTestInput, testJobFromArgv } from './test-mode.js';
import { memoryLogger } from './testing/run-worker.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function captureStdout(): string[] {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return written;
}

describe('testJobFromArgv', () => {
  it('reads --test_input as the next argument or after =', async () => {
    await expect(testJobFromArgv(['node', 'w.js', '--test_input', '{"input":{"a":1}}'])).resolves.toEqual({
      input: { a: 1 },
    });
    await expect(testJobFromArgv(['--test_input={"input":2,"id":"mine"}'])).resolves.toEqual({ input: 2, id: 'mine' });
    await expect(testJobFromArgv(['node', 'w.js'])).resolves.toBeUndefined();
  });

  it('reads --test_input_file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-worker-'));
    try {
      const file = join(dir, 'test_input.json');
      await writeFile(file, '{"input": {"prompt": "hé"}}');
      await expect(testJobFromArgv(['--test_input_file', file])).resolves.toEqual({ input: { prompt: 'hé' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed input clearly', async () => {
    await expect(testJobFromArgv(['--test_input', '{oops'])).rejects.toThrow(/--test_input is not valid JSON/);
    await expect(testJobFromArgv(['--test_input', '[1]'])).rejects.toThrow(/must be a JSON object/);
    await expect(testJobFromArgv(['--test_input', '{"foo":1}'])).rejects.toThrow(/has no "input"/);
    await expect(testJobFromArgv(['--test_input'])).rejects.toThrow(/needs a value/);
  });
});

describe('start() in test mode', () => {
  it('runs the handler once on local_test and prints the body that would be posted', async () => {
    const stdout = captureStdout();
    let seenId: string | undefined;
    await start<{ a: number }>({
      handler: (job) => {
        seenId = job.id;
        return { doubled: job.input.a * 2 };
      },
      env: {},
      argv: ['node', 'worker.js', '--test_input', '{"input":{"a":21}}'],
      logger: memoryLogger(),
      installSignalHandlers: false,
    });
    expect(seenId).toBe('local_test');
    expect(stdout).toEqual(['{"output":{"doubled":42}}\n']);
  });

  it('prefers options.testInput and needs no server environment, even when one is set', async () => {
    const stdout = captureStdout();
    const log = memoryLogger();
    await start({
      handler: async function* (job, ctx) {
        await ctx.progress('half');
        yield job.input;
      },
      returnAggregateStream: true,
      testInput: { input: 'x', id: 'given' },
      env: { RUNPOD_WEBHOOK_GET_JOB: 'http://127.0.0.1:9/v2/ep/job-take/$ID?gpu=cpu' },
      logger: log,
    });
    expect(stdout).toEqual(['{"output":["x"]}\n']);
    expect(log.lines).toContain('info given progress: "half"');
    expect(log.lines).toContain('info given stream: {"output":"x"}');
  });
});

describe('runTestInput', () => {
  it('reports failures so callers can exit with code 1', async () => {
    const result = await runTestInput(
      {
        handler: () => {
          throw new Error('broken');
        },
        env: { RUNPOD_POD_HOSTNAME: 'laptop' },
        logger: memoryLogger(),
      },
      { input: {} },
    );
    expect(result.failed).toBe(true);
    expect(JSON.parse(result.body.error as string)).toMatchObject({ error_message: 'broken', hostname: 'laptop' });
    expect(result.text).toBe(JSON.stringify(result.body));
  });

  it('reports success', async () => {
    const result = await runTestInput({ handler: () => 'fine', logger: memoryLogger() }, { input: {} });
    expect(result).toEqual({ body: { output: 'fine' }, text: '{"output":"fine"}', failed: false });
  });
});
