// `start()`: the TypeScript counterpart of runpod-python's `runpod.serverless.start`. It serves jobs
// from the worker API of spec §6 using the launcher's environment (spec §7), or runs one local test.
import type { Json, WorkerJob } from '@sluice/protocol';
import { readWorkerEnv, type WorkerEnv } from './env.js';
import type { HandlerJob } from './handler.js';
import { createHttpClient } from './http.js';
import { InFlightJobs } from './in-flight.js';
import { JobLoop } from './job-loop.js';
import { JobReporter } from './job-reporter.js';
import { runJob } from './job-runner.js';
import { captureConsole } from './console-capture.js';
import { createConsoleLogger, type WorkerLogger } from './logger.js';
import { DEFAULT_TIMINGS, type StartOptions, type TestJob, type WorkerTimings } from './options.js';
import { NextJobs } from './next-jobs.js';
import { Pinger } from './pinger.js';
import { ResultBatcher } from './result-batcher.js';
import { StopLoop } from './stop-loop.js';
import { runTestInput, testJobFromArgv } from './test-mode.js';
import { buildWorkerUrls, type UrlTemplates } from './urls.js';

function validate<TInput>(options: StartOptions<TInput>): void {
  if (typeof options.handler !== 'function') throw new TypeError('start(): `handler` must be a function');
  const { concurrency } = options;
  if (typeof concurrency === 'number' && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError('start(): `concurrency` must be an integer ≥ 1 or a function');
  }
  const grace = options.shutdownGraceMs;
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) {
    throw new RangeError('start(): `shutdownGraceMs` must be a number ≥ 0');
  }
}

/**
 * Starts a worker and resolves once it has stopped: after SIGTERM/SIGINT or `options.signal` (in-flight
 * jobs are drained first), after the first job when `refreshWorker` is set or a result asks for
 * `stopPod`, or after the local test run. Rejects only on bad options or a missing environment.
 */
export async function start<TInput = Json>(options: StartOptions<TInput>): Promise<void> {
  validate(options);
  const env = options.env ?? process.env;
  const log = options.logger ?? createConsoleLogger(env);

  const testJob = options.testInput ?? (await testJobFromArgv(options.argv ?? process.argv));
  if (testJob) {
    const result = await runTestInput({ ...options, env, logger: log }, testJob as TestJob<TInput>);
    process.stdout.write(`${result.text}\n`);
    return;
  }

  const workerEnv = readWorkerEnv(env);
  if (!workerEnv.jobTakeTemplate) {
    throw new Error(
      'RUNPOD_WEBHOOK_GET_JOB is not set, so there is no server to take jobs from. ' +
        'Start the worker from the Sluice launcher, or test it locally with --test_input \'{"input": {...}}\' ' +
        'or --test_input_file <path>.',
    );
  }
  if (!workerEnv.jobDoneTemplate) {
    throw new Error('RUNPOD_WEBHOOK_POST_OUTPUT is not set, so results could not be posted.');
  }
  const templates: UrlTemplates = {
    jobTake: workerEnv.jobTakeTemplate,
    jobDone: workerEnv.jobDoneTemplate,
    jobStream: workerEnv.jobStreamTemplate,
    ping: workerEnv.pingTemplate,
    jobDoneBatch: workerEnv.jobDoneBatchTemplate,
  };
  if (!templates.jobStream) log.warn('RUNPOD_WEBHOOK_POST_STREAM is not set; generator output cannot be streamed');
  // Launched by a server (which sets the endpoint id): console output of a handler goes under its job.
  await serve(options, workerEnv, templates, log, Boolean(env['RUNPOD_ENDPOINT_ID']));
}

async function serve<TInput>(
  options: StartOptions<TInput>,
  env: WorkerEnv,
  templates: UrlTemplates,
  log: WorkerLogger,
  tieConsoleToJobs: boolean,
): Promise<void> {
  // Explicit `undefined` members keep their defaults (a spread alone would copy them over).
  const given = Object.entries(options.timings ?? {}).filter(([, value]) => value !== undefined);
  const timings: WorkerTimings = { ...DEFAULT_TIMINGS, ...(Object.fromEntries(given) as Partial<WorkerTimings>) };
  // Like runpod-python: the launcher's id, or a random one (and then no pings: nobody expects them).
  const workerId = env.podId ?? globalThis.crypto.randomUUID();
  const urls = buildWorkerUrls(templates, workerId);
  const http = createHttpClient({ apiKey: env.apiKey, timeoutMs: timings.requestTimeoutMs });
  const inFlight = new InFlightJobs();
  const hardStop = new AbortController();
  const origin = { hostname: env.hostname, workerId };
  // The loop (made below, before any result is posted) decides the slots that result posts ask to fill, and
  // starts the jobs they bring.
  const nextJobs: NextJobs | undefined = env.jobDoneNext
    ? new NextJobs({
        inFlight,
        log,
        slots: () => loop.slots(),
        taking: () => loop.taking,
        adopt: (jobs) => loop.adopt(jobs),
      })
    : undefined;
  // One per worker: results of different jobs finishing together share a request.
  const batcher =
    urls.jobDoneBatch === undefined
      ? undefined
      : new ResultBatcher({
          http,
          url: urls.jobDoneBatch,
          log,
          retryDelaysMs: timings.postRetryDelaysMs,
          hardStop: hardStop.signal,
          nextJobs,
        });

  // Jobs whose handler runs now. A job stays in flight while its result is posted, and with next jobs the job that
  // answer carries starts meanwhile: console output belongs to the handler running, not to the job posting.
  const handling = new Set<string>();
  const runOne = (job: WorkerJob, signal: AbortSignal) => {
    const reporter = new JobReporter(job.id, {
      http,
      urls,
      log,
      retryDelaysMs: timings.postRetryDelaysMs,
      jobSignal: signal,
      hardStop: hardStop.signal,
      batcher,
      nextJobs,
    });
    handling.add(job.id);
    // runJob calls it once the handler is done, whatever its outcome (it never rejects).
    return runJob(job as HandlerJob<TInput>, signal, {
      handled: () => handling.delete(job.id),
      handler: options.handler,
      reporter,
      log,
      origin,
      returnAggregateStream: options.returnAggregateStream ?? false,
      refreshWorker: options.refreshWorker ?? false,
    });
  };

  const loop: JobLoop = new JobLoop({
    http,
    urls,
    inFlight,
    log,
    timings,
    concurrency: options.concurrency ?? 1,
    shutdownGraceMs: options.shutdownGraceMs ?? 30_000,
    runJob: runOne,
    hardStop,
    nextJobs,
  });

  let stopLoop: StopLoop | undefined;
  if (urls.jobStop) stopLoop = new StopLoop({ http, url: urls.jobStop, inFlight, log, timings });
  else log.warn('RUNPOD_WEBHOOK_GET_JOB has no /job-take/ in it; job-stop is disabled');

  // runpod-python pings only when both the key and the pod id are set (spec §6.7).
  let pinger: Pinger | undefined;
  if (env.pingTemplate && env.apiKey && env.podId) {
    pinger = new Pinger({
      apiKey: env.apiKey,
      urls,
      inFlight,
      log,
      intervalMs: timings.pingIntervalMs ?? env.pingIntervalMs,
    });
  }

  const detachStopTriggers = attachStopTriggers(loop, options, timings.sameStopWindowMs);
  const releaseConsole = tieConsoleToJobs
    ? captureConsole(() => (handling.size === 1 ? handling.values().next().value : undefined))
    : undefined;
  log.info(`worker ${workerId} started`);
  pinger?.start();
  stopLoop?.start();
  try {
    await loop.run();
  } finally {
    detachStopTriggers();
    releaseConsole?.();
    await Promise.all([stopLoop?.stop(), pinger?.stop()]);
    // Every request has settled by now: the drain waited for the jobs' posts, the loops for their polls.
    http.close();
    log.info(`worker ${workerId} stopped`);
  }
}

/** Wires `options.signal` and, unless disabled, SIGTERM/SIGINT to the loop; returns the undo. */
function attachStopTriggers<TInput>(
  loop: JobLoop,
  options: StartOptions<TInput>,
  sameStopWindowMs: number,
): () => void {
  const onAbort = (): void => loop.requestStop('stop signal aborted');
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  let firstSignalAt: number | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    // The first signal drains; a later one (an impatient Ctrl-C) abandons in-flight jobs at once. A repeat
    // inside the window is the same request arriving twice (WorkerTimings.sameStopWindowMs).
    const now = Date.now();
    firstSignalAt ??= now;
    loop.requestStop(`received ${name}`, { immediate: now - firstSignalAt > sameStopWindowMs });
  };
  const install = options.installSignalHandlers ?? true;
  if (install) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return () => {
    options.signal?.removeEventListener('abort', onAbort);
    if (install) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  };
}
