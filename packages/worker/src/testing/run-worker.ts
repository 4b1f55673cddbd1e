// Starts a worker against a FakeWorkerApi (or any server that gives a launcher environment) with test-sized
// timings, and stops it again.
import type { Json } from '@sluice/protocol';
import type { WorkerLogger } from '../logger.js';
import type { StartOptions, WorkerTimings } from '../options.js';
import { start } from '../start.js';
import type { FakeWorkerApi } from './fake-worker-api.js';

export const FAST_TIMINGS: Partial<WorkerTimings> = {
  requestTimeoutMs: 5000,
  backoffInitialMs: 40,
  backoffMaxMs: 160,
  tooManyRequestsMs: 300,
  stopEmptyAnswerMs: 50,
  sameStopWindowMs: 0,
  postRetryDelaysMs: [20, 30],
  pingIntervalMs: 50,
};

/** A logger that keeps its lines, so tests can assert on warnings and errors. */
export function memoryLogger(): WorkerLogger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, jobId?: string) => {
    lines.push(`${level} ${jobId ? `${jobId} ` : ''}${message}`);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface RunningWorker {
  /** Settles when `start()` does. */
  done: Promise<void>;
  /** Aborts the worker's signal (a graceful shutdown) and waits for `start()` to resolve. */
  stop(): Promise<void>;
  log: ReturnType<typeof memoryLogger>;
}

export function runWorker<TInput = Json>(
  api: Pick<FakeWorkerApi, 'env'>,
  options: Partial<StartOptions<TInput>> & Pick<StartOptions<TInput>, 'handler'>,
): RunningWorker {
  const controller = new AbortController();
  const log = memoryLogger();
  const done = start<TInput>({
    env: api.env(),
    installSignalHandlers: false,
    logger: log,
    argv: [],
    ...options,
    signal: options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal,
    timings: { ...FAST_TIMINGS, ...options.timings },
  });
  return {
    done,
    log,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
