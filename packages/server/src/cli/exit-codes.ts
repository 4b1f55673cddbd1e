// The `sluice` exit codes and the one place that turns a thrown error into a stderr line and a code.
import { SluiceClientError } from '@sluice/client';
import { SluiceError } from '@sluice/protocol';

export const ExitCode = {
  OK: 0,
  /** A request failed (HTTP error, network, timeout), a waited job did not end COMPLETED, or a worker failed. */
  FAILURE: 1,
  /** Bad arguments, flags, input JSON or config: nothing was sent. */
  USAGE: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown for a mistake in how `sluice` was called; exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A condition the operator can fix (a port in use): exits with code 1 and one line, no stack. */
export class StartError extends Error {
  override name = 'StartError';
}

/** `fetch failed` alone does not say why; the deepest cause (e.g. `connect ECONNREFUSED ...`) does. */
function innermostCause(error: Error): string {
  let cause: unknown = error.cause;
  let deepest: Error | undefined;
  while (cause instanceof Error) {
    deepest = cause;
    cause = cause.cause;
  }
  return deepest === undefined || error.message.includes(deepest.message) ? '' : ` (${deepest.message})`;
}

/** Exit code and stderr text (without the `sluice: ` prefix) for an error that ended a command. */
export function describeFailure(error: unknown): { code: ExitCode; message: string } {
  if (error instanceof UsageError) return { code: ExitCode.USAGE, message: error.message };
  if (error instanceof StartError) return { code: ExitCode.FAILURE, message: error.message };
  if (error instanceof SluiceClientError) {
    // The client SDK checks submissions as the server would, before sending: that is a usage mistake.
    if (error.cause instanceof SluiceError) return { code: ExitCode.USAGE, message: error.message };
    const status = error.status > 0 ? ` (HTTP ${error.status})` : '';
    return { code: ExitCode.FAILURE, message: `${error.message}${status}${innermostCause(error)}` };
  }
  // A store that cannot be reached (Redis down at start) is an operator's condition, not a bug: no stack.
  if (error instanceof SluiceError && error.code === 'ERR_UNAVAILABLE') {
    return { code: ExitCode.FAILURE, message: error.message };
  }
  // Anything else is unexpected: the stack helps whoever reports it.
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: ExitCode.FAILURE, message };
}
