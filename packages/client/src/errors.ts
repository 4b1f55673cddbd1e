// The one error class of @sluice/client: every failed call rejects with a SluiceClientError,
// whether the server refused the request, the answer was unusable, or no answer arrived.
import type { ErrorCode, SluiceError } from '@sluice/protocol';

/** Codes for failures the server did not name itself. */
export const ClientErrorCode = {
  /** fetch failed before an answer arrived: connection refused, DNS, TLS, CORS, reset. */
  NETWORK: 'ERR_CLIENT_NETWORK',
  /** The call's time limit ran out (`timeoutMs`, or wait + 15 s on blocking routes; `waitFor`'s `timeoutMs`). */
  TIMEOUT: 'ERR_CLIENT_TIMEOUT',
  /** The caller's `signal` aborted the call, or a stream was left before the job ended. */
  ABORTED: 'ERR_CLIENT_ABORTED',
  /** The answer was not JSON, or not the shape the route promises. */
  BAD_RESPONSE: 'ERR_CLIENT_BAD_RESPONSE',
  /** A non-200 JSON answer that carried no `code` field (e.g. from RunPod itself or a proxy). */
  HTTP: 'ERR_CLIENT_HTTP',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A server code from the protocol registry, a client code, or a code this client version does not know. */
export type SluiceClientErrorCode = ErrorCode | ClientErrorCode | (string & {});

export interface SluiceClientErrorInit {
  message: string;
  status: number;
  code: SluiceClientErrorCode;
  body?: unknown;
  cause?: unknown;
}

export class SluiceClientError extends Error {
  /** The HTTP status; 0 when no answer arrived (network failure, timeout, abort). */
  readonly status: number;
  readonly code: SluiceClientErrorCode;
  /** The answer body: parsed JSON, or the raw text when it was not JSON; undefined when there was none. */
  readonly body: unknown;

  constructor(init: SluiceClientErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'SluiceClientError';
    this.status = init.status;
    this.code = init.code;
    this.body = init.body;
  }
}

/**
 * A client-side validation failure (from `parseSubmission` and friends), reported as the server would have
 * reported it: same status, code and message, so callers handle both the same way.
 */
export function fromValidationError(error: SluiceError): SluiceClientError {
  return new SluiceClientError({ message: error.message, status: error.status, code: error.code, cause: error });
}
