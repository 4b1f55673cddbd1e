// Runs one job through the handler and reports it: a value becomes one job-done post, a generator
// becomes job-stream posts followed by a final job-done with isStream=true (spec §6.4, §6.5).
import { invokeHandler, isIterator, type AnyIterator, type Handler, type HandlerJob } from './handler.js';
import type { Reporter } from './job-reporter.js';
import { describeError, jobLogger, type WorkerLogger } from './logger.js';
import {
  errorBody,
  generatorErrorBody,
  resultBody,
  serializeBody,
  yieldedError,
  type ErrorOrigin,
  type ResultBody,
} from './result-body.js';
import { sleepUnlessAborted } from './sleep.js';

export interface JobRunnerDeps<TInput> {
  handler: Handler<TInput>;
  reporter: Reporter;
  log: WorkerLogger;
  origin: ErrorOrigin;
  returnAggregateStream: boolean;
  /** Config-level refresh: every result carries `stopPod`. */
  refreshWorker: boolean;
  /** The handler is done (its result, if any, is about to be posted); console output is no longer its own. */
  handled?: () => void;
}

export type JobOutcome =
  /** The final body was handed to the reporter; `stopPod` asks the worker to drain. */
  | { kind: 'reported'; body: ResultBody; text: string; stopPod: boolean }
  /** The job's signal fired (job-stop or shutdown): nothing was posted. */
  | { kind: 'aborted' };

type Settled<T> = { aborted: true } | { aborted: false; value: T };

/**
 * Waits for `promise` unless `signal` fires first. JavaScript cannot kill a running handler, so an
 * aborted job is let go at once (its slot freed, its eventual result discarded), which is what
 * runpod-python achieves by cancelling the job's task.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<Settled<T>> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.resolve({ aborted: true });
  }
  let onAbort = (): void => {};
  const aborted = new Promise<Settled<T>>((resolve) => {
    onAbort = () => resolve({ aborted: true });
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const settled = promise.then((value): Settled<T> => ({ aborted: false, value }));
  // A rejection of `promise` after the abort won is still handled: race() subscribed to it.
  return Promise.race([settled, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** Ends a generator we stop reading, so its `finally` blocks run; errors there no longer matter. */
function closeQuietly(iterator: AnyIterator): void {
  try {
    Promise.resolve(iterator.return?.()).catch(() => {});
  } catch {
    // A sync generator that throws from its finally block: nothing left to report to.
  }
}

async function streamItems<TInput>(
  iterator: AnyIterator,
  signal: AbortSignal,
  deps: JobRunnerDeps<TInput>,
): Promise<ResultBody | undefined> {
  const items: unknown[] = [];
  try {
    for (;;) {
      const step = await untilAborted(Promise.resolve(iterator.next()), signal);
      if (step.aborted) {
        closeQuietly(iterator);
        return undefined;
      }
      if (step.value.done) break;
      const item = step.value.value === undefined ? null : step.value.value;
      const error = yieldedError(item);
      if (error !== undefined) {
        closeQuietly(iterator);
        return { error };
      }
      const text = serializeBody({ output: item });
      if (deps.returnAggregateStream) items.push(item);
      // Awaited so items arrive in order and a slow server slows the generator down instead of piling up.
      await deps.reporter.streamItem(text);
    }
  } catch (err) {
    return generatorErrorBody(err);
  }
  return { output: deps.returnAggregateStream ? items : [] };
}

async function settle<TInput>(
  job: HandlerJob<TInput>,
  signal: AbortSignal,
  deps: JobRunnerDeps<TInput>,
): Promise<{ body: ResultBody; isStream: boolean } | undefined> {
  const ctx = {
    signal,
    workerId: deps.origin.workerId,
    log: jobLogger(deps.log, job.id),
    progress: (value: unknown) => deps.reporter.progress(value),
    sleep: (ms: number) => sleepUnlessAborted(ms, signal),
  };
  const invocation = invokeHandler(deps.handler, job, ctx);
  const failed = (err: unknown) => {
    deps.log.error(`handler failed: ${describeError(err)}`, job.id);
    return { body: errorBody(err, deps.origin), isStream: false };
  };
  if (invocation.kind === 'threw') return failed(invocation.error);
  let iterator: AnyIterator;
  if (invocation.kind === 'stream') {
    iterator = invocation.iterator;
  } else {
    let settled: Settled<unknown>;
    try {
      settled = await untilAborted(invocation.value, signal);
    } catch (err) {
      return failed(err);
    }
    if (settled.aborted) return undefined;
    // An async function that returns a generator object streams too.
    if (!isIterator(settled.value)) return { body: resultBody(settled.value), isStream: false };
    iterator = settled.value;
  }
  const body = await streamItems(iterator, signal, deps);
  return body && { body, isStream: true };
}

/** Runs the handler on `job` and reports the outcome, unless `signal` fires first. Never rejects. */
export async function runJob<TInput>(
  job: HandlerJob<TInput>,
  signal: AbortSignal,
  deps: JobRunnerDeps<TInput>,
): Promise<JobOutcome> {
  deps.log.info('started', job.id);
  const settled = await settle(job, signal, deps);
  deps.handled?.();
  if (!settled || signal.aborted) {
    deps.log.info('stopped: no result posted', job.id);
    return { kind: 'aborted' };
  }
  let { body } = settled;
  if (deps.refreshWorker) body = { ...body, stopPod: true };
  let text: string;
  try {
    text = serializeBody(body);
  } catch (err) {
    // e.g. a BigInt or a cycle in the result: report it as the handler's error rather than dropping the job.
    body = errorBody(err, deps.origin);
    if (deps.refreshWorker) body.stopPod = true;
    text = serializeBody(body);
  }
  // The job's last line goes out before its result: Sluice ends a job's log when the job ends, and a line
  // written after the post could miss the followers of that log.
  deps.log.info(body.error === undefined ? 'finished' : 'finished with an error', job.id);
  await deps.reporter.final(text, settled.isStream);
  return { kind: 'reported', body, text, stopPod: body.stopPod === true };
}
