// Worker logging: a tiny level-filtered logger on stderr (stdout is kept clean for the local test result).
// Like runpod-python, it writes JSON lines when RUNPOD_ENDPOINT_ID is set, so platform log shippers can parse them.

export interface WorkerLogger {
  debug(message: string, jobId?: string): void;
  info(message: string, jobId?: string): void;
  warn(message: string, jobId?: string): void;
  error(message: string, jobId?: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

/** Reads RUNPOD_DEBUG_LEVEL (runpod-python's variable; DEBUG, INFO, WARN or ERROR) and RUNPOD_ENDPOINT_ID. */
export function createConsoleLogger(env: Record<string, string | undefined>): WorkerLogger {
  const wanted = (env['RUNPOD_DEBUG_LEVEL'] ?? 'INFO').toLowerCase().replace('warning', 'warn');
  const threshold = Math.max(0, LEVELS.indexOf(wanted as Level));
  const asJson = Boolean(env['RUNPOD_ENDPOINT_ID']);
  const write = (level: Level, message: string, jobId?: string): void => {
    if (LEVELS.indexOf(level) < threshold) return;
    const line = asJson
      ? JSON.stringify({ requestId: jobId ?? null, message, level: level.toUpperCase() })
      : `${level.toUpperCase().padEnd(5)} | ${jobId ? `${jobId} | ` : ''}${message}`;
    process.stderr.write(`${line}\n`);
  };
  return {
    debug: (message, jobId) => write('debug', message, jobId),
    info: (message, jobId) => write('info', message, jobId),
    warn: (message, jobId) => write('warn', message, jobId),
    error: (message, jobId) => write('error', message, jobId),
  };
}

/** A logger bound to one job, handed to handlers as `ctx.log`. */
export function jobLogger(base: WorkerLogger, jobId: string): WorkerLogger {
  return {
    debug: (message) => base.debug(message, jobId),
    info: (message) => base.info(message, jobId),
    warn: (message) => base.warn(message, jobId),
    error: (message) => base.error(message, jobId),
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
