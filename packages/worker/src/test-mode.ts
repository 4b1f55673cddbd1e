// Local test mode, like runpod-python's `--test_input`: run the handler once on a given job, with no
// server, and print the body that would have been posted.
import { readFile } from 'node:fs/promises';
import type { Json } from '@sluice/protocol';
import type { Handler, HandlerJob } from './handler.js';
import type { Reporter } from './job-reporter.js';
import { runJob } from './job-runner.js';
import { createConsoleLogger, type WorkerLogger } from './logger.js';
import type { TestJob } from './options.js';
import { isPlainObject } from '@sluice/protocol';
import type { ResultBody } from './result-body.js';

export const LOCAL_TEST_JOB_ID = 'local_test';

function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === flag) {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    }
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

function toTestJob(value: unknown, source: string): TestJob<Json> {
  if (!isPlainObject(value)) throw new Error(`${source} must be a JSON object such as {"input": {...}}`);
  if (value['input'] === undefined || value['input'] === null) {
    throw new Error(`${source} has no "input"; expected {"input": {...}}`);
  }
  return value as TestJob<Json>;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** The test job from `--test_input '<json>'` or `--test_input_file <path>`, if the command line has one. */
export async function testJobFromArgv(argv: readonly string[]): Promise<TestJob<Json> | undefined> {
  const inline = flagValue(argv, '--test_input');
  if (inline !== undefined) return toTestJob(parseJson(inline, '--test_input'), '--test_input');
  const path = flagValue(argv, '--test_input_file');
  if (path === undefined) return undefined;
  const source = `--test_input_file ${path}`;
  return toTestJob(parseJson(await readFile(path, 'utf8'), source), source);
}

export interface TestRunOptions<TInput> {
  handler: Handler<TInput>;
  returnAggregateStream?: boolean;
  refreshWorker?: boolean;
  env?: Record<string, string | undefined>;
  logger?: WorkerLogger;
  signal?: AbortSignal;
}

export interface TestRunResult {
  /** The job-done body a server would have received. */
  body: ResultBody;
  /** Its JSON text, as it would have been posted. */
  text: string;
  /** True when the body carries an error: callers exit with code 1, as runpod-python does. */
  failed: boolean;
}

/** Runs `job` once through the handler. Progress and stream items go to the log (stderr). */
export async function runTestInput<TInput = Json>(
  options: TestRunOptions<TInput>,
  job: TestJob<TInput>,
): Promise<TestRunResult> {
  const env = options.env ?? process.env;
  const log = options.logger ?? createConsoleLogger(env);
  const fullJob = { ...job, id: job.id ?? LOCAL_TEST_JOB_ID } as HandlerJob<TInput>;
  const reporter: Reporter = {
    progress: (value) => {
      log.info(`progress: ${JSON.stringify(value) ?? 'null'}`, fullJob.id);
      return Promise.resolve();
    },
    streamItem: (text) => {
      log.info(`stream: ${text}`, fullJob.id);
      return Promise.resolve();
    },
    final: () => Promise.resolve(),
  };
  const outcome = await runJob(fullJob, options.signal ?? new AbortController().signal, {
    handler: options.handler,
    reporter,
    log,
    origin: { hostname: env['RUNPOD_POD_HOSTNAME'] ?? 'local', workerId: env['RUNPOD_POD_ID'] ?? 'local' },
    returnAggregateStream: options.returnAggregateStream ?? false,
    refreshWorker: options.refreshWorker ?? false,
  });
  if (outcome.kind === 'aborted') {
    const body: ResultBody = { error: 'local test aborted' };
    return { body, text: JSON.stringify(body), failed: true };
  }
  return { body: outcome.body, text: outcome.text, failed: outcome.body.error !== undefined };
}
