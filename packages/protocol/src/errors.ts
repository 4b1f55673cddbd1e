// The one registry of Sluice error codes: HTTP status and meaning. docs/errors.md is checked against it.

export const ERROR_CODES = {
  ERR_REQUEST_INVALID_JSON: { status: 400, meaning: 'The body is not JSON, or not a JSON object.' },
  ERR_REQUEST_INPUT_REQUIRED: { status: 400, meaning: '`input` is missing or null.' },
  ERR_REQUEST_INVALID_FIELD: {
    status: 400,
    meaning: 'A body field (`policy`, `webhook`, `s3Config`) or a query parameter (`wait`, `ttl`) is out of its rule.',
  },
  ERR_JOB_NOT_RETRYABLE: { status: 400, meaning: 'Retry of a job that is not FAILED or TIMED_OUT.' },
  ERR_WORKER_ID_INVALID: {
    status: 400,
    meaning: 'A worker route whose worker id contains `$`: a template variable was not substituted (spec §7.2).',
  },
  ERR_CONFIG_INVALID: {
    status: 400,
    meaning: 'An admin settings change or a reloaded configuration file breaks a configuration rule; nothing applied.',
  },
  ERR_AUTH_UNAUTHORIZED: {
    status: 401,
    meaning: 'The API key or worker token is missing, wrong, or not allowed here.',
  },
  ERR_ENDPOINT_NOT_FOUND: { status: 404, meaning: 'No endpoint has this id.' },
  ERR_ROUTE_NOT_FOUND: { status: 404, meaning: 'No operation has this path.' },
  ERR_JOB_NOT_FOUND: {
    status: 404,
    meaning: 'The job never existed, belongs to another endpoint, or its record was deleted.',
  },
  ERR_METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route exists but not for this HTTP method.' },
  ERR_IDEMPOTENCY_CONFLICT: {
    status: 409,
    meaning: 'The Idempotency-Key was already used with a different request body.',
  },
  ERR_PAYLOAD_TOO_LARGE: { status: 413, meaning: 'A request body, stream item or result is over its size cap.' },
  ERR_RATE_LIMITED: { status: 429, meaning: 'Too many requests for this endpoint and operation.' },
  ERR_QUEUE_FULL: { status: 429, meaning: 'The endpoint queue is at its maxQueueSize.' },
  ERR_WORKER_BACKOFF: {
    status: 429,
    meaning: 'The server is shutting down: a polling worker should wait before it asks again (spec §6.2).',
  },
  ERR_INTERNAL: { status: 500, meaning: 'An unexpected server failure; details are in the server log.' },
  ERR_UNAVAILABLE: { status: 503, meaning: 'The server is shutting down or its store is unreachable.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Every error Sluice answers with: `code` for programs, `message` is the wire `error` text. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}

/** The wire text of the fixed-message errors (spec §1.4). */
export const ERROR_TEXT = {
  invalidJson: 'json is invalid; body must be a JSON object',
  inputRequired: 'input is required',
  unauthorized: 'unauthorized',
  endpointNotFound: 'endpoint not found',
  routeNotFound: 'route not found',
  jobNotFound: 'request does not exist',
  workerIdTemplate: 'workerId is invalid; a template variable was not substituted',
  methodNotAllowed: 'method not allowed',
  idempotencyConflict: 'Idempotency-Key was already used with a different request',
  rateLimited: 'rate limit exceeded',
  queueFull: 'queue is full',
  internal: 'internal error',
  unavailable: 'service unavailable',
} as const;
