// Worker logging: a tiny level-filtered logger on stderr (stdout is kept clean for the local test result).
// Like runpod-python, it writes JSON lines when RUNPOD_ENDPOINT_ID is set, so platform log shippers can parse them.

/** Extra key/value pairs of a log line. */
export type LogFields = Record<string, unknown>;

export interface WorkerLogger {
  debug(message: string, jobId?: string, fields?: LogFields): void;
  info(message: string, jobId?: string, fields?: LogFields): void;
  warn(message: string, jobId?: string, fields?: LogFields): void;
  error(message: string, jobId?: string, fields?: LogFields): void;
}

/** A handler's `ctx.log`: every line carries the job's id, so Sluice files it under the job. */
export interface JobLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

/** Reads RUNPOD_DEBUG_LEVEL (runpod-python's variable; DEBUG, INFO, WARN or ERROR) and RUNPOD_ENDPOINT_ID. */
export function createConsoleLogger(env: Record<string, string | undefined>): WorkerLogger {
  const wanted = (env['RUNPOD_DEBUG_LEVEL'] ?? 'INFO').toLowerCase().replace('warning', 'warn');
  const threshold = Math.max(0, LEVELS.indexOf(wanted as Level));
  const asJson = Boolean(env['RUNPOD_ENDPOINT_ID']);
  const write = (level: Level, message: string, jobId?: string, fields?: LogFields): void => {
    if (LEVELS.indexOf(level) < threshold) return;
    process.stderr.write(`${formatLine(asJson, level, message, jobId, fields)}\n`);
  };
  return {
    debug: (message, jobId, fields) => write('debug', message, jobId, fields),
    info: (message, jobId, fields) => write('info', message, jobId, fields),
    warn: (message, jobId, fields) => write('warn', message, jobId, fields),
    error: (message, jobId, fields) => write('error', message, jobId, fields),
  };
}

/**
 * One log line: runpod-python's JSON shape (`requestId`, `message`, `level`, then any fields, which never
 * replace those three) or, for a person at a terminal, `LEVEL | job | message {fields}`.
 */
export function formatLine(asJson: boolean, level: Level, message: string, jobId?: string, fields?: LogFields): string {
  const extra = fields !== undefined && Object.keys(fields).length > 0 ? fields : undefined;
  if (asJson) {
    return JSON.stringify({ ...extra, requestId: jobId ?? null, message, level: level.toUpperCase() });
  }
  const tail = extra === undefined ? '' : ` ${JSON.stringify(extra)}`;
  return `${level.toUpperCase().padEnd(5)} | ${jobId ? `${jobId} | ` : ''}${message}${tail}`;
}

/** A logger bound to one job, handed to handlers as `ctx.log`. */
export function jobLogger(base: WorkerLogger, jobId: string): JobLogger {
  return {
    debug: (message, fields) => base.debug(message, jobId, fields),
    info: (message, fields) => base.info(message, jobId, fields),
    warn: (message, fields) => base.warn(message, jobId, fields),
    error: (message, fields) => base.error(message, jobId, fields),
  };
}

export const silentLogger: WorkerLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** One-line description of anything thrown, for log lines. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.name}: ${err.message}${cause}`;
  }
  return String(err);
}
