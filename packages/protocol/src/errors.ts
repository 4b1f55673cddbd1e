// The one registry of Sluice error codes: HTTP status, meaning, and the wire `error` text of the codes whose
// text is fixed (spec §1.4); the others are always raised with a message naming what was wrong.
// docs/errors.md is checked against it.

export const ERROR_CODES = {
  ERR_REQUEST_INVALID_JSON: {
    status: 400,
    text: 'json is invalid; body must be a JSON object',
    meaning: 'The body is not JSON, or not a JSON object.',
  },
  ERR_REQUEST_INPUT_REQUIRED: { status: 400, text: 'input is required', meaning: '`input` is missing or null.' },
  ERR_REQUEST_INVALID_FIELD: {
    status: 400,
    meaning: 'A body field (`policy`, `webhook`, `s3Config`) or a query parameter (`wait`, `ttl`) is out of its rule.',
  },
  ERR_JOB_NOT_RETRYABLE: { status: 400, meaning: 'Retry of a job that is not FAILED or TIMED_OUT.' },
  ERR_WORKER_ID_INVALID: {
    status: 400,
    text: 'workerId is invalid; a template variable was not substituted',
    meaning: 'A worker route whose worker id contains `$`: a template variable was not substituted (spec §7.2).',
  },
  ERR_CONFIG_INVALID: {
    status: 400,
    meaning: 'An admin settings change or a reloaded configuration file breaks a configuration rule; nothing applied.',
  },
  ERR_AUTH_UNAUTHORIZED: {
    status: 401,
    text: 'unauthorized',
    meaning: 'The API key or worker token is missing, wrong, or not allowed here.',
  },
  ERR_AUTH_READ_ONLY: {
    status: 403,
    text: 'a read-only key cannot change a job',
    meaning: 'A read-only key asked for something that would change a job (`status?ttl=`).',
  },
  ERR_AUTH_WRONG_WORKER: {
    status: 403,
    text: 'this worker token belongs to another worker',
    meaning: "A launched worker's token was used under another worker's id.",
  },
  ERR_ENDPOINT_NOT_FOUND: { status: 404, text: 'endpoint not found', meaning: 'No endpoint has this id.' },
  ERR_ROUTE_NOT_FOUND: { status: 404, text: 'route not found', meaning: 'No operation has this path.' },
  ERR_JOB_NOT_FOUND: {
    status: 404,
    text: 'request does not exist',
    meaning: 'The job never existed, belongs to another endpoint, or its record was deleted.',
  },
  ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    text: 'method not allowed',
    meaning: 'The route exists but not for this HTTP method.',
  },
  ERR_IDEMPOTENCY_CONFLICT: {
    status: 409,
    text: 'Idempotency-Key was already used with a different request',
    meaning: 'The Idempotency-Key was already used with a different request body.',
  },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, meaning: 'A request body, stream item or result is over its size cap.' },
  ERR_RATE_LIMITED: {
    status: 429,
    text: 'rate limit exceeded',
    meaning: 'Too many requests for this endpoint and operation.',
  },
  ERR_QUEUE_FULL: { status: 429, text: 'queue is full', meaning: 'The endpoint queue is at its maxQueueSize.' },
  ERR_WORKER_BACKOFF: {
    status: 429,
    text: 'service unavailable',
    meaning: 'The server is shutting down: a polling worker should wait before it asks again (spec §6.2).',
  },
  ERR_INTERNAL: {
    status: 500,
    text: 'internal error',
    meaning: 'An unexpected server failure; details are in the server log.',
  },
  ERR_UNAVAILABLE: {
    status: 503,
    text: 'service unavailable',
    meaning: 'The server is shutting down, or its store is unreachable or cannot be written (disk full, read-only).',
  },
} as const satisfies Record<string, { status: number; text?: string; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes with a fixed wire text: `new SluiceError(code)` needs no message. */
export type FixedTextCode = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends { text: string } ? C : never;
}[ErrorCode];

/** The wire `error` text of a fixed-text code. */
export function errorText(code: FixedTextCode): string {
  return ERROR_CODES[code].text;
}

/** Every error Sluice answers with: `code` for programs, `message` is the wire `error` text. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  /** A fixed-text code answers its registry text; the others name what was wrong in `message`. */
  constructor(code: FixedTextCode, options?: { cause?: unknown });
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  constructor(code: ErrorCode, messageOrOptions?: string | { cause?: unknown }, options?: { cause?: unknown }) {
    const fixed = (ERROR_CODES[code] as { text?: string }).text;
    if (typeof messageOrOptions === 'string') super(messageOrOptions, options);
    else super(fixed ?? code, messageOrOptions);
    this.name = 'SluiceError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}

/** ERR_JOB_NOT_RETRYABLE, whose text names the job's status: every store raises it with these words. */
export function notRetryable(status: string): SluiceError {
  return new SluiceError('ERR_JOB_NOT_RETRYABLE', `request cannot be retried; status is ${status}`);
}
