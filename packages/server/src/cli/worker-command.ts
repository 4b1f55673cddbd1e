// `sluice worker <handler-file>`: runs a JavaScript or TypeScript handler with @sluice/worker, against the
// server named by the launcher's environment or by flags, or once locally with --test-input.
import { readFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { runTestInput, start, type TestJob } from '@sluice/worker';
import { Option, type Command } from 'commander';
import { DEFAULT_URL } from './client-session.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { parseJson, parsePositiveInteger } from './job-input.js';
import { loadHandler } from './load-handler.js';
import { resolveWorkerTarget, type WorkerTargetFlags } from './worker-target.js';

interface WorkerFlags extends WorkerTargetFlags {
  concurrency?: number;
  returnAggregateStream?: boolean;
  refreshWorker?: boolean;
  testInput?: string;
  testInputFile?: string;
}

/** The local test job from `--test-input` or `--test-input-file`: a JSON object with `input`. */
export function parseTestJob(text: string, source: string): TestJob {
  const job = parseJson(text, source);
  if (typeof job !== 'object' || job === null || Array.isArray(job)) {
    throw new UsageError(`${source} must be a JSON object such as {"input": {...}}`);
  }
  const input = (job as Record<string, unknown>)['input'];
  if (input === undefined || input === null)
    throw new UsageError(`${source} has no "input"; expected {"input": {...}}`);
  return job as TestJob;
}

async function testJobOf(flags: WorkerFlags): Promise<TestJob | undefined> {
  if (flags.testInput !== undefined && flags.testInputFile !== undefined) {
    throw new UsageError('use --test-input or --test-input-file, not both');
  }
  if (flags.testInput !== undefined) return parseTestJob(flags.testInput, '--test-input');
  if (flags.testInputFile === undefined) return undefined;
  const path = flags.testInputFile;
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new UsageError(`cannot read ${path}: ${error.message}`);
  });
  return parseTestJob(text, path);
}

async function worker(file: string, flags: WorkerFlags): Promise<void> {
  const testJob = await testJobOf(flags);
  const target = testJob
    ? undefined
    : resolveWorkerTarget(flags, process.env, { hostname: hostname(), home: homedir() });
  const handler = await loadHandler(file);
  const shared = { handler, returnAggregateStream: flags.returnAggregateStream, refreshWorker: flags.refreshWorker };
  if (testJob) {
    const result = await runTestInput(shared, testJob);
    process.stdout.write(`${result.text}\n`);
    // Explicit exits: a handler may leave timers or connections open that would keep the process alive.
    process.exit(result.failed ? ExitCode.FAILURE : ExitCode.OK);
  }
  if (target?.warning) process.stderr.write(`sluice: ${target.warning}\n`);
  // argv: [] so start() does not read runpod-python's --test_input from our own command line.
  await start({ ...shared, concurrency: flags.concurrency, env: target?.env, argv: [] });
  process.exit(ExitCode.OK);
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run a handler module (JS, or TS through tsx) as a worker of an endpoint')
    .argument('<handler-file>', 'module whose default export, or export named handler, is the handler')
    .addOption(new Option('--concurrency <n>', 'jobs run at once').argParser(parsePositiveInteger).default(1))
    .option('--return-aggregate-stream', "a generator's final result carries every yielded item")
    .option('--refresh-worker', 'stop after the first job (the launcher starts a fresh process)')
    .option('--test-input <json>', 'run one job such as \'{"input": {...}}\' locally, print its result, and exit')
    .option('--test-input-file <file>', 'like --test-input, with the job JSON read from a file')
    .addOption(
      new Option('--url <base>', 'server base URL, used with --endpoint').env('SLUICE_URL').default(DEFAULT_URL),
    )
    .option('--endpoint <id>', 'take jobs of this endpoint (when RUNPOD_WEBHOOK_GET_JOB is not set)')
    .option('--worker-id <id>', 'worker id to report (default: random)')
    .addOption(new Option('--token <key>', 'worker key of the endpoint').env('SLUICE_WORKER_TOKEN'))
    .addHelpText(
      'after',
      `
The module must not call start() itself: \`sluice worker\` does, with the flags above.
Started by \`sluice serve\` (an endpoint's worker command), the worker reads the launcher's RUNPOD_* variables;
otherwise --endpoint (with --url and --token as needed) builds the same variables.

Exit codes: 0 stopped cleanly (SIGTERM/SIGINT, or --refresh-worker) or the test job succeeded; 1 the worker
failed or the test job's result carries an error; 2 bad arguments or a handler file without a handler.`,
    )
    .action(worker);
}
