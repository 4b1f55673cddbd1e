// What a handler is: its job and context types, and how its return value is told apart (value or stream).
import type { Json, WorkerJob } from '@sluice/protocol';
import type { JobLogger } from './logger.js';

/** The job a handler receives: the wire job object (spec §3), with `input` typed by the caller. */
export type HandlerJob<TInput = Json> = Omit<WorkerJob, 'input'> & { input: TInput };

export interface JobContext {
  /** Aborted when the server stops this job (job-stop: cancel, timeout) or the shutdown grace runs out. */
  signal: AbortSignal;
  /**
   * Posts `{"status":"IN_PROGRESS","output":value}`. Never rejects (failures are logged), and becomes a
   * no-op once the job's final result is being posted or the job was stopped.
   */
  progress(value: unknown): Promise<void>;
  workerId: string;
  /** `ctx.log.info(message, fields?)` and so on: lines that carry this job's id (Sluice files them under it). */
  log: JobLogger;
}

/**
 * A handler returns a value (or a promise of one), or a sync or async generator whose yields are
 * streamed. Whatever it returns must be JSON-serialisable; `undefined` is posted as `null`.
 */
export type Handler<TInput = Json> = (job: HandlerJob<TInput>, ctx: JobContext) => unknown;

export type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** Generator objects (and hand-written iterators), but not arrays or strings, which are plain results. */
export function isIterator(value: unknown): value is AnyIterator {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Partial<Record<PropertyKey, unknown>>;
  return (
    typeof candidate['next'] === 'function' &&
    (typeof candidate[Symbol.asyncIterator] === 'function' || typeof candidate[Symbol.iterator] === 'function')
  );
}

export type Invocation =
  | { kind: 'stream'; iterator: AnyIterator }
  | { kind: 'value'; value: Promise<unknown> }
  | { kind: 'threw'; error: unknown };

/** Calls the handler and tells its kinds of outcome apart; settling a promise is left to the caller. */
export function invokeHandler<TInput>(handler: Handler<TInput>, job: HandlerJob<TInput>, ctx: JobContext): Invocation {
  let returned: unknown;
  try {
    returned = handler(job, ctx);
  } catch (err) {
    return { kind: 'threw', error: err };
  }
  if (isIterator(returned)) return { kind: 'stream', iterator: returned };
  return { kind: 'value', value: Promise.resolve(returned) };
}
