// The job-done bodies runpod-python posts for each handler outcome (spec §6.4 table, §2.7 error shapes).
import { isPlainObject, isTruthy } from '@sluice/protocol';
import { RUNPOD_VERSION } from './version.js';

/** A job-done body before serialisation. `output` holds whatever the handler produced. */
export interface ResultBody {
  output?: unknown;
  error?: unknown;
  status?: 'IN_PROGRESS';
  stopPod?: true;
}

/** Who reports a handler exception: the `hostname` and `worker_id` fields of the error object. */
export interface ErrorOrigin {
  hostname: string;
  workerId: string;
}

/**
 * The body for a value a handler returned. A dict has `error` lifted to the top level (if truthy) and
 * `refresh_worker` turned into `stopPod`, both removed from `output`; an `output` left empty is dropped,
 * so `{error: "x"}` posts `{"error":"x"}` and `{}` posts `{}`. Anything else posts as `{"output": value}`.
 */
export function resultBody(value: unknown): ResultBody {
  if (!isPlainObject(value)) return { output: value === undefined ? null : value };
  const { error, refresh_worker: refreshWorker, ...output } = value;
  const body: ResultBody = {};
  if (Object.keys(output).length > 0) body.output = output;
  const lifted = plainError(error);
  if (isTruthy(lifted)) body.error = lifted;
  if (isTruthy(refreshWorker)) body.stopPod = true;
  return body;
}

/** `{"status":"IN_PROGRESS","output":value}`: a progress update, never a completion (spec §6.4 rule 2). */
export function progressBody(value: unknown): ResultBody {
  return { status: 'IN_PROGRESS', output: value === undefined ? null : value };
}

function errorParts(err: unknown): { name: string; message: string; stack: string } {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack ?? String(err) };
  return { name: typeof err, message: String(err), stack: String(err) };
}

/**
 * Python's `json.dumps` of a dict of strings: `", "` and `": "` separators and non-ASCII escaped as
 * `\uXXXX`, so the error string of a TypeScript worker reads byte-for-byte like runpod-python's.
 */
export function pythonJsonDumps(record: Record<string, string>): string {
  const entries = Object.entries(record).map(([key, val]) => `${JSON.stringify(key)}: ${JSON.stringify(val)}`);
  return `{${entries.join(', ')}}`.replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A thrown handler error: `error` is a JSON *string* of runpod-python's six-key object (spec §2.7). */
export function errorBody(err: unknown, origin: ErrorOrigin): ResultBody {
  const { name, message, stack } = errorParts(err);
  return {
    error: pythonJsonDumps({
      error_type: `<class '${name}'>`,
      error_message: message,
      error_traceback: stack,
      hostname: origin.hostname,
      worker_id: origin.workerId,
      runpod_version: RUNPOD_VERSION,
    }),
  };
}

/** A generator that threw: `"handler: <message> \ntraceback: <stack>"` (spec §2.7). */
export function generatorErrorBody(err: unknown): ResultBody {
  const { message, stack } = errorParts(err);
  return { error: `handler: ${message} \ntraceback: ${stack}` };
}

/**
 * The error a yielded item carries: a dict with a truthy `error` ends the generator as a failure instead
 * of being streamed (runpod-python ≥ 1.7.7). Non-string errors become their JSON text.
 */
export function yieldedError(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const error = plainError(item['error']);
  if (!isTruthy(error)) return undefined;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/** An Error instance in an `error` key becomes its message: as JSON it would be `{}`, which is falsy. */
function plainError(error: unknown): unknown {
  return error instanceof Error ? error.message || error.name : error;
}

/** JSON text of a body; throws for values JSON cannot carry (BigInt, cycles). */
export function serializeBody(body: unknown): string {
  const text = JSON.stringify(body) as string | undefined;
  if (text === undefined) throw new TypeError('result is not JSON-serialisable');
  return text;
}
