// Following a job's or a worker's log for the SSE form of the log routes: the lines there are, then new ones as
// they are stored, on a hold (jobs/hold.ts) woken by this server's appends and re-read each second for lines
// stored by another server. A log the store marks ended (job terminal, worker exited) ends the follow at once.
import type { LogRead, StoredLogEntry } from '../store/job-log-store.js';
import { holdTurns } from './hold.js';
import type { Wakeups } from './wakeups.js';

/** How stale a follower may be about lines another server stored. */
const RECHECK_MS = 1000;
/**
 * A terminal job whose log is not marked ended (it ended while the log store was failing, or before the mark
 * existed) is followed until no line came for this long, so the follow ends without the mark too.
 */
export const JOB_LOG_FLUSH_MS = 1500;

export type LogEvent = { kind: 'line'; line: StoredLogEntry } | { kind: 'end'; truncated: boolean };

export interface LogSource {
  read(after: number): Promise<LogRead>;
  /** Wake-up key of this log (jobs/job-logs.ts). */
  key: string;
  /** True once no more lines are expected though the log is not marked ended (`read.ended` ends it at once). */
  finished(read: LogRead): Promise<boolean>;
  /** Needs a quiet period after `finished` before ending (job logs). */
  flushMs: number;
}

/**
 * The lines of `source` after the first read, then each new one, on the turns of one endless hold (woken by this
 * server's appends, rechecked each second); ends with an `end` event once `finished` held for `flushMs` without
 * a new line (checked on the next turn, so up to a recheck later) or as soon as a read says the log ended, or
 * silently when `signal` aborts.
 */
export async function* followLog(
  source: LogSource,
  wakeups: Wakeups,
  now: () => number,
  signal: AbortSignal,
): AsyncGenerator<LogEvent> {
  let after = 0;
  let quietSince: number | undefined;
  const turns = holdTurns({ wakeups, key: source.key, waitMs: Infinity, now, signal, recheckMs: RECHECK_MS });
  for await (const _turn of turns) {
    const read = await source.read(after);
    for (const line of read.lines) {
      after = Math.max(after, line.seq);
      yield { kind: 'line', line };
    }
    if (read.ended) {
      yield { kind: 'end', truncated: read.truncated };
      return;
    }
    if (read.lines.length > 0) quietSince = undefined;
    if (!(await source.finished(read))) continue;
    quietSince ??= now();
    if (quietSince + source.flushMs <= now()) {
      yield { kind: 'end', truncated: read.truncated };
      return;
    }
  }
}
