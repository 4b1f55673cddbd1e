// Reads one line a launched worker wrote: runpod-python and @sluice/worker print JSON lines
// ({"requestId", "message", "level"}); anything else is plain text. A line with a requestId belongs to that job;
// a plain line is `info` on stdout and `warn` on stderr unless it starts with its level.
import type { LogLevel } from '../store/job-log-store.js';

export interface ParsedLine {
  level: LogLevel;
  jobId?: string;
  message: string;
}

/** Longest message kept per line; the rest is cut (a job keeps at most 256 KB of lines anyway). */
export const MAX_LINE_CHARS = 16 * 1024;

const LEVEL_WORDS: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  critical: 'error',
  fatal: 'error',
};

/** pino's numeric levels (a worker using pino on stdout). */
function numericLevel(value: number): LogLevel {
  if (value >= 50) return 'error';
  if (value >= 40) return 'warn';
  if (value >= 30) return 'info';
  return 'debug';
}

function levelOf(value: unknown): LogLevel | undefined {
  if (typeof value === 'number') return numericLevel(value);
  if (typeof value === 'string') return LEVEL_WORDS[value.trim().toLowerCase()];
  return undefined;
}

/** Keys of a JSON line that are not fields of the message: its own, runpod-python's and pino's. */
const KNOWN_KEYS = new Set(['message', 'msg', 'level', 'requestId', 'jobId', 'job_id', 'time', 'pid', 'hostname', 'v']);

const LEADING_LEVEL = /^\s*\[?(trace|debug|info|notice|warn|warning|error|err|critical|fatal)\b\]?/i;

function cut(message: string): string {
  return message.length > MAX_LINE_CHARS ? `${message.slice(0, MAX_LINE_CHARS)}… [cut]` : message;
}

function fromJson(line: string): ParsedLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const message = fields['message'] ?? fields['msg'];
  if (typeof message !== 'string') return undefined;
  const extra = Object.fromEntries(Object.entries(fields).filter(([key]) => !KNOWN_KEYS.has(key)));
  // Fields a worker logged with its message (ctx.log.info(message, fields)) stay readable beside it.
  const text = Object.keys(extra).length > 0 ? `${message} ${JSON.stringify(extra)}` : message;
  const parsed: ParsedLine = { level: levelOf(fields['level']) ?? 'info', message: cut(text) };
  const jobId = fields['requestId'] ?? fields['jobId'] ?? fields['job_id'];
  if (typeof jobId === 'string' && jobId !== '') parsed.jobId = jobId;
  return parsed;
}

export function parseWorkerLine(line: string, stream: 'stdout' | 'stderr'): ParsedLine {
  if (line.trimStart().startsWith('{')) {
    const parsed = fromJson(line);
    if (parsed) return parsed;
  }
  const word = LEADING_LEVEL.exec(line)?.[1];
  const level =
    (word === undefined ? undefined : LEVEL_WORDS[word.toLowerCase()]) ?? (stream === 'stderr' ? 'warn' : 'info');
  return { level, message: cut(line) };
}
