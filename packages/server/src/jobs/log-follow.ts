// Following a job's or a worker's log for the SSE form of the log routes: the lines there are, then new ones as
// they are stored, woken by this server's appends and re-read each second for lines stored by another server.
import type { LogRead, StoredLogEntry } from '../store/job-log-store.js';
import type { Wakeups } from './wakeups.js';

/** How stale a follower may be about lines another server stored. */
const RECHECK_MS = 1000;
/** After its job ended, a job log is followed until no line came for this long (the worker's output drains). */
export const JOB_LOG_FLUSH_MS = 1500;

export type LogEvent = { kind: 'line'; line: StoredLogEntry } | { kind: 'end'; truncated: boolean };

export interface LogSource {
  read(after: number): Promise<LogRead>;
  /** Wake-up key of this log (jobs/job-logs.ts). */
  key: string;
  /** True once no more lines will come: the job is terminal (then one quiet flush period) or the worker exited. */
  finished(read: LogRead): Promise<boolean>;
  /** Needs a quiet period after `finished` before ending (job logs). */
  flushMs: number;
}

export async function* followLog(
  source: LogSource,
  wakeups: Wakeups,
  signal: AbortSignal,
  now: () => number = Date.now,
): AsyncGenerator<LogEvent> {
  let after = 0;
  let quietSince: number | undefined;
  for (;;) {
    if (signal.aborted) return;
    const seq = wakeups.seq(source.key);
    const read = await source.read(after);
    for (const line of read.lines) {
      after = Math.max(after, line.seq);
      yield { kind: 'line', line };
    }
    if (read.lines.length > 0) quietSince = undefined;
    if (await source.finished(read)) {
      quietSince ??= now();
      const left = quietSince + source.flushMs - now();
      if (left <= 0) {
        yield { kind: 'end', truncated: read.truncated };
        return;
      }
      await wakeups.wait(source.key, seq, Math.min(left, RECHECK_MS), signal);
      continue;
    }
    await wakeups.wait(source.key, seq, RECHECK_MS, signal);
  }
}
