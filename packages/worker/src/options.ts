// The options of `start()`, and the timings behind them with their defaults.
import type { Json } from '@sluice/protocol';
import type { Handler, HandlerJob } from './handler.js';
import type { WorkerLogger } from './logger.js';

/** Delays and timeouts, all in ms. Defaults follow runpod-python; tests shrink them. */
export interface WorkerTimings {
  /** Abandon any request after this long (default 90000, runpod-python's; spec §1.5). */
  requestTimeoutMs: number;
  /** Poll backoff after errors, 5xx and non-JSON answers: first base delay (default 250) ... */
  backoffInitialMs: number;
  /** ... doubling up to this cap (default 5000). */
  backoffMaxMs: number;
  /** Sleep after a 429 on job-take or job-stop (default 5000, runpod-python's). */
  tooManyRequestsMs: number;
  /** Sleep after a job-stop answer that names no job (default 1000, runpod-python's). */
  stopEmptyAnswerMs: number;
  /**
   * Stop signals this close together are one request (default 1000): Ctrl-C reaches the whole process group,
   * then a launcher sends its own SIGTERM. A signal after the window abandons in-flight jobs at once.
   */
  sameStopWindowMs: number;
  /** Waits between job-done/job-stream attempts (default [2000, 3000]: 3 attempts in all). */
  postRetryDelaysMs: readonly number[];
  /** Ping period; default RUNPOD_PING_INTERVAL rounded down to whole seconds, else 10000. */
  pingIntervalMs?: number;
}

export const DEFAULT_TIMINGS: WorkerTimings = {
  requestTimeoutMs: 90_000,
  backoffInitialMs: 250,
  backoffMaxMs: 5000,
  tooManyRequestsMs: 5000,
  stopEmptyAnswerMs: 1000,
  sameStopWindowMs: 1000,
  postRetryDelaysMs: [2000, 3000],
};

/** A job given to the local test mode: `input` is required, `id` defaults to `local_test`. */
export type TestJob<TInput = Json> = Partial<HandlerJob<TInput>> & { input: TInput };

export interface StartOptions<TInput = Json> {
  handler: Handler<TInput>;
  /**
   * Jobs run at once (default 1). A function is runpod-python's `concurrency_modifier`: it receives the
   * current value (1 at first) before each take and returns the wanted one.
   */
  concurrency?: number | ((current: number) => number);
  /** A generator's final job-done carries every yielded item instead of `[]` (default false). */
  returnAggregateStream?: boolean;
  /** Every result carries `stopPod: true` and the worker stops after its first job (default false). */
  refreshWorker?: boolean;
  /** Environment to read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Aborting it shuts the worker down gracefully, like SIGTERM. */
  signal?: AbortSignal;
  /** Default: level-filtered lines on stderr (RUNPOD_DEBUG_LEVEL), JSON when RUNPOD_ENDPOINT_ID is set. */
  logger?: WorkerLogger;
  /** Shut down gracefully on SIGTERM/SIGINT; a second signal stops at once (default true). */
  installSignalHandlers?: boolean;
  /** How long a shutdown waits for in-flight jobs before aborting their signals (default 30000). */
  shutdownGraceMs?: number;
  /** Run this job once locally instead of serving (like `--test_input`); overrides `argv`. */
  testInput?: TestJob<TInput>;
  /** Command line searched for `--test_input` and `--test_input_file` (default `process.argv`). */
  argv?: readonly string[];
  timings?: Partial<WorkerTimings>;
}
