// Logging of store outages (disk full, read-only file, Redis down): one warn line when an outage starts and
// one info line when it ends, however many requests and timer ticks fail in between. Other failures are bugs
// and keep one error line each.
//
// States: healthy -> (an ERR_UNAVAILABLE failure: warn) -> down -> (`recovered()`, or `quietMs` without a
// failure) -> healthy. Failures while down are only counted; the count is reported when the outage ends.
import { isSluiceError } from '@sluice/protocol';

/** The part of a pino (or Fastify request) logger this uses. */
export interface FailureLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** Without a success to end it, an outage is over once nothing has failed for this long. */
const QUIET_MS = 30_000;

/** Whether `err` is the environment's doing (the store cannot be reached or written) rather than a bug. */
export function isOutage(err: unknown): boolean {
  return isSluiceError(err) && err.code === 'ERR_UNAVAILABLE';
}

export class OutageLog {
  private down = false;
  private lastFailureAt = 0;
  private suppressed = 0;

  constructor(
    private readonly log: FailureLogger,
    private readonly now: () => number,
    private readonly quietMs = QUIET_MS,
  ) {}

  /** Whether an outage is going on now (the readiness probe answers 503 meanwhile, without a store call). */
  get inOutage(): boolean {
    return this.down && this.now() - this.lastFailureAt < this.quietMs;
  }

  /** Logs a failure: an outage once per incident at warn, anything else at error every time. */
  failed(err: unknown, message: string, fields: Record<string, unknown> = {}, log: FailureLogger = this.log): void {
    if (!isOutage(err)) {
      log.error({ ...fields, err }, message);
      return;
    }
    const at = this.now();
    if (this.inOutage) {
      this.lastFailureAt = at;
      this.suppressed += 1;
      return;
    }
    this.end();
    this.down = true;
    this.lastFailureAt = at;
    log.warn(
      { ...fields, err },
      `store unavailable (${message}): answering 503 until it recovers; further failures are counted, not logged`,
    );
  }

  /** A store write just succeeded: an outage in progress is over. */
  recovered(): void {
    if (this.down) this.end();
  }

  private end(): void {
    if (this.down) {
      this.log.info({ failuresNotLogged: this.suppressed }, 'store available again');
    }
    this.down = false;
    this.suppressed = 0;
  }
}

/** `outages.failed`, or a plain error line where no outage log is wired (unit tests of a single loop). */
export function logFailure(outages: OutageLog | undefined, log: FailureLogger, err: unknown, message: string): void {
  if (outages) outages.failed(err, message, {}, log);
  else log.error({ err }, message);
}
