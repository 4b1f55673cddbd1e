// Typed calls for every client route of one endpoint (spec §4), plus the polling loops built on them:
// runSync continuing with status-sync, waitFor, and stream iteration.
import { DEFAULTS, RANGES, SluiceError, isTerminal, parseIntegerParam, parseSubmission } from '@sluice/protocol';
import type {
  HealthObject,
  Json,
  Policy,
  PurgeQueueResponse,
  Range,
  RunResponse,
  StatusObject,
  StreamObject,
} from '@sluice/protocol';
import { ClientErrorCode, SluiceClientError, fromValidationError } from './errors.js';
import type { HttpRequest, Transport } from './http.js';
import {
  expectHealthObject,
  expectPurgeQueueResponse,
  expectRunResponse,
  expectStatusObject,
  expectStreamObject,
} from './responses.js';
import { createJobStream, type JobStream } from './stream.js';

/** Extra time a blocking route's fetch gets beyond the server-side hold. */
export const BLOCKING_GRACE_MS = 15_000;

export interface CallOptions {
  /** Aborts the call; it then rejects with `ERR_CLIENT_ABORTED`. */
  signal?: AbortSignal;
}

export interface SubmitOptions extends CallOptions {
  webhook?: string;
  policy?: Policy;
  s3Config?: Record<string, Json>;
  /** Sent as the `Idempotency-Key` header (spec §9.2). */
  idempotencyKey?: string;
}

export interface RunSyncOptions extends SubmitOptions {
  /** Server hold in ms, 1000–300000 (server default 90000); also used for each status-sync that follows. */
  wait?: number;
  /** When the hold ends before the job does, keep polling status-sync until it is terminal. Default true. */
  untilTerminal?: boolean;
}

export interface StatusOptions extends CallOptions {
  /** Moves the job's ttl deadline to now + `ttl` ms, 1000–604800000 (spec §4.3). */
  ttl?: number;
}

export interface WaitOptions extends CallOptions {
  /** Server hold per request in ms, 1000–300000 (server default 90000 for status-sync, 8000 for stream). */
  wait?: number;
}

export interface WaitForOptions extends WaitOptions {
  /** Overall limit in ms, checked between polls; then rejects with `ERR_CLIENT_TIMEOUT` and the last status as `body`. */
  timeoutMs?: number;
}

function requireId(name: string, value: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return value;
}

/** Runs a protocol validator, reporting its SluiceError as the server would (status, code, message). */
function validated<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw error instanceof SluiceError ? fromValidationError(error) : error;
  }
}

function checkWait(wait: number | undefined, range: Range): number | undefined {
  return wait === undefined ? undefined : validated(() => parseIntegerParam('wait', String(wait), range));
}

function checkIdempotencyKey(key: string | undefined): Record<string, string> {
  if (key === undefined) return {};
  // Header values must be printable ASCII; fetch would otherwise throw a TypeError that looks like a network error.
  if (!/^[\x20-\x7e]{1,255}$/.test(key)) {
    throw new SluiceClientError({
      message: 'idempotencyKey is invalid; must be 1 to 255 printable ASCII characters',
      status: 400,
      code: 'ERR_REQUEST_INVALID_FIELD',
    });
  }
  return { 'Idempotency-Key': key };
}

export class EndpointClient {
  readonly id: string;
  readonly #send: Transport;
  readonly #timeoutMs: number;

  /** @internal Built by `SluiceClient.endpoint()`. */
  constructor(send: Transport, endpointId: string, timeoutMs: number) {
    this.#send = send;
    this.id = requireId('endpointId', endpointId);
    this.#timeoutMs = timeoutMs;
  }

  /** `POST run`: queues a job and answers at once with `{ id, status: 'IN_QUEUE' }`. */
  async run(input: unknown, options: SubmitOptions = {}): Promise<RunResponse> {
    const answer = await this.#call({ ...this.#submission('run', input, options), timeoutMs: this.#timeoutMs });
    return expectRunResponse(answer);
  }

  /**
   * `POST runsync`: queues a job and holds until it is terminal. If the hold (`wait`) ends first, keeps polling
   * status-sync until the job is terminal, unless `untilTerminal: false`, which returns the non-terminal object.
   */
  async runSync(input: unknown, options: RunSyncOptions = {}): Promise<StatusObject> {
    const wait = checkWait(options.wait, RANGES.runsyncWait);
    const answer = await this.#call({
      ...this.#submission('runsync', input, options),
      query: { wait },
      timeoutMs: (wait ?? DEFAULTS.runsyncWait) + BLOCKING_GRACE_MS,
    });
    const status = expectStatusObject(answer);
    if (options.untilTerminal === false || isTerminal(status.status)) return status;
    return this.waitFor(status.id, { wait, signal: options.signal });
  }

  /** `GET status/{id}`: the current status object, never held. */
  async status(jobId: string, options: StatusOptions = {}): Promise<StatusObject> {
    const ttl =
      options.ttl === undefined
        ? undefined
        : validated(() => parseIntegerParam('ttl', String(options.ttl), RANGES.statusTtl));
    const answer = await this.#call({
      method: 'GET',
      segments: ['status', requireId('jobId', jobId)],
      query: { ttl },
      timeoutMs: this.#timeoutMs,
      signal: options.signal,
    });
    return expectStatusObject(answer);
  }

  /** `GET status-sync/{id}`: holds until the job is terminal or `wait` ends, then answers its status object. */
  async statusSync(jobId: string, options: WaitOptions = {}): Promise<StatusObject> {
    const wait = checkWait(options.wait, RANGES.statusSyncWait);
    const answer = await this.#call({
      method: 'GET',
      segments: ['status-sync', requireId('jobId', jobId)],
      query: { wait },
      timeoutMs: (wait ?? DEFAULTS.statusSyncWait) + BLOCKING_GRACE_MS,
      signal: options.signal,
    });
    return expectStatusObject(answer);
  }

  /** `POST cancel/{id}`: the status object after cancelling; a terminal job is left unchanged. */
  async cancel(jobId: string, options: CallOptions = {}): Promise<StatusObject> {
    const answer = await this.#call({ ...this.#jobPost('cancel', jobId), signal: options.signal });
    return expectStatusObject(answer);
  }

  /** `POST retry/{id}`: requeues a `FAILED` or `TIMED_OUT` job under the same id. */
  async retry(jobId: string, options: CallOptions = {}): Promise<RunResponse> {
    const answer = await this.#call({ ...this.#jobPost('retry', jobId), signal: options.signal });
    return expectRunResponse(answer);
  }

  /** `GET health`: job and worker counts of the endpoint. */
  async health(options: CallOptions = {}): Promise<HealthObject> {
    const answer = await this.#call({
      method: 'GET',
      segments: ['health'],
      timeoutMs: this.#timeoutMs,
      signal: options.signal,
    });
    return expectHealthObject(answer);
  }

  /** `POST purge-queue`: cancels every queued job of the endpoint; running jobs are untouched. */
  async purgeQueue(options: CallOptions = {}): Promise<PurgeQueueResponse> {
    const answer = await this.#call({
      method: 'POST',
      segments: ['purge-queue'],
      timeoutMs: this.#timeoutMs,
      signal: options.signal,
    });
    return expectPurgeQueueResponse(answer);
  }

  /**
   * `GET stream/{id}` once: the items not yet delivered to any reader, and the job's status. Items are
   * consumed by this call; most callers want `stream()`, which loops until the job is terminal.
   */
  async pollStream(jobId: string, options: WaitOptions = {}): Promise<StreamObject> {
    const wait = checkWait(options.wait, RANGES.streamWait);
    const answer = await this.#call({
      method: 'GET',
      segments: ['stream', requireId('jobId', jobId)],
      query: { wait },
      timeoutMs: (wait ?? DEFAULTS.streamWait) + BLOCKING_GRACE_MS,
      signal: options.signal,
    });
    return expectStreamObject(answer);
  }

  /**
   * Iterates the job's stream items in order, each delivered exactly once, ending when the job is terminal;
   * `result` then holds the terminal status object. Nothing is sent until iteration starts.
   */
  stream(jobId: string, options: WaitOptions = {}): JobStream {
    requireId('jobId', jobId);
    checkWait(options.wait, RANGES.streamWait);
    return createJobStream(() => this.pollStream(jobId, options));
  }

  /** Polls status-sync until the job is terminal and returns its status object. */
  async waitFor(jobId: string, options: WaitForOptions = {}): Promise<StatusObject> {
    const range = RANGES.statusSyncWait;
    const wait = checkWait(options.wait, range) ?? DEFAULTS.statusSyncWait;
    const { timeoutMs, signal } = options;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new TypeError('timeoutMs must be a positive number');
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      // Never hold past the deadline, but never below the server's minimum either.
      const hold = Math.max(range.min, Math.min(wait, Math.ceil(deadline - Date.now())));
      const status = await this.statusSync(jobId, { wait: hold, signal });
      if (isTerminal(status.status)) return status;
      if (Date.now() >= deadline) {
        throw new SluiceClientError({
          message: `job ${jobId} is still ${status.status} after ${timeoutMs} ms`,
          status: 0,
          code: ClientErrorCode.TIMEOUT,
          body: status,
        });
      }
    }
  }

  #call(request: HttpRequest): Promise<unknown> {
    return this.#send({ ...request, segments: [this.id, ...request.segments] });
  }

  #submission(op: 'run' | 'runsync', input: unknown, options: SubmitOptions) {
    const { webhook, policy, s3Config, idempotencyKey, signal } = options;
    const body = { input, webhook, policy, s3Config };
    validated(() => parseSubmission(body));
    return {
      method: 'POST',
      segments: [op],
      body,
      headers: checkIdempotencyKey(idempotencyKey),
      signal,
    } as const;
  }

  #jobPost(op: 'cancel' | 'retry', jobId: string) {
    return { method: 'POST', segments: [op, requireId('jobId', jobId)], timeoutMs: this.#timeoutMs } as const;
  }
}
