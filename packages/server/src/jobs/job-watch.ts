// Watching a job for the SSE forms of `/status-sync` and `/stream` (spec §9.1): its changes as a sequence of
// events, woken by this server's change key and re-read every second for changes made on another server.
import { SluiceError, isTerminal, type Json } from '@sluice/protocol';
import type { JobRecord } from '../store/job-record.js';
import { holdTurns } from './hold.js';
import type { JobContext } from './job-context.js';
import { changeKey } from './wakeups.js';

export type StatusEvent = { kind: 'status' | 'done'; job: JobRecord };
export type StreamEvent = StatusEvent | { kind: 'stream'; item: Json; seq: number };

/** How stale a watcher may be about a change made through another server (those send no change signal). */
const RECHECK_MS = 1000;
/** Items read per store call (a non-terminal `/stream` answer carries at most this many, spec §4.5 rule 4). */
export const STREAM_PAGE = 1000;

/** What a watcher reports a change of; `executionTime` and `delayTime` move on their own and are not changes. */
function fingerprint(job: JobRecord, withOutput: boolean): string {
  return JSON.stringify([job.status, job.retries, job.workerId ?? null, withOutput ? (job.output ?? null) : null]);
}

/**
 * `status` for the job as it is, then on each state change and progress update, and `done` with the terminal
 * job; ends without `done` when `waitMs` passes or `signal` aborts. Unknown job: throws before any event.
 */
export async function* watchStatus(
  ctx: JobContext,
  endpointId: string,
  id: string,
  waitMs: number,
  signal: AbortSignal,
): AsyncGenerator<StatusEvent> {
  const key = changeKey(endpointId, id);
  let last: string | undefined;
  for await (const _turn of holdTurns({
    wakeups: ctx.wakeups,
    key,
    waitMs,
    now: ctx.now,
    signal,
    recheckMs: RECHECK_MS,
  })) {
    const job = await ctx.store.get(endpointId, id);
    if (!job) {
      // Deleted while watched (retention): the stream just ends.
      if (last === undefined) throw new SluiceError('ERR_JOB_NOT_FOUND');
      return;
    }
    if (isTerminal(job.status)) {
      yield { kind: 'done', job };
      return;
    }
    const now = fingerprint(job, true);
    if (now !== last) {
      last = now;
      yield { kind: 'status', job };
    }
  }
}

/**
 * `status` on each state change (progress values stay out, as in polling), `stream` for each item with its
 * number in the job's stream, consumed as a polling read would (spec §4.5 rule 1), and `done` with the terminal
 * job once every item is out. Runs until then or until `signal` aborts. Unknown job: throws before any event.
 */
export async function* watchStream(
  ctx: JobContext,
  endpointId: string,
  id: string,
  signal: AbortSignal,
): AsyncGenerator<StreamEvent> {
  const key = changeKey(endpointId, id);
  let last: string | undefined;
  const turns = holdTurns({ wakeups: ctx.wakeups, key, waitMs: Infinity, now: ctx.now, signal, recheckMs: RECHECK_MS });
  for await (const _turn of turns) {
    // A full page may have more behind it: read again before waiting or finishing.
    for (let page = STREAM_PAGE; page === STREAM_PAGE;) {
      // A read consumes items: none once the client is gone, or they would be lost to every reader.
      if (signal.aborted) return;
      const read = await ctx.store.readStream(endpointId, id, STREAM_PAGE);
      if (!read) {
        if (last === undefined) throw new SluiceError('ERR_JOB_NOT_FOUND');
        return;
      }
      const terminal = isTerminal(read.job.status);
      const now = fingerprint(read.job, false);
      if (!terminal && now !== last) yield { kind: 'status', job: read.job };
      last = now;
      let n = read.firstSeq;
      for (const item of read.items) yield { kind: 'stream', item, seq: n++ };
      page = read.items.length;
      if (page < STREAM_PAGE && terminal) {
        yield { kind: 'done', job: read.job };
        return;
      }
    }
  }
}
