// The one "check, park, check again" loop behind every long-poll (job-take, job-stop, runsync, status-sync,
// stream and their SSE forms). A turn reads the key's sequence number before its check and parks only if the
// number has not moved since, so a notify landing between check and park is never missed.
import type { Wakeups } from './wakeups.js';

/** setTimeout fires at once for longer delays: an endless hold re-arms its timer at this bound. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface HoldOptions {
  wakeups: Wakeups;
  key: string;
  /** How long the hold may last; Infinity: until `signal` aborts. */
  waitMs: number;
  now: () => number;
  signal?: AbortSignal;
  /** Check again after this long even without a notify (changes made on another server send none). */
  recheckMs?: number;
}

/**
 * The turns of a hold: yields once at once, then again each time the key is notified (or `recheckMs`
 * passes), and ends when the hold runs out or `signal` aborts. Each yield says whether a notify woke it.
 * The caller checks the store in the loop body and leaves the loop when it has its answer.
 */
export async function* holdTurns(options: HoldOptions): AsyncGenerator<boolean, void, undefined> {
  const { wakeups, key, signal } = options;
  const deadline = options.now() + options.waitMs;
  let woken = false;
  for (;;) {
    const seq = wakeups.seq(key);
    yield woken;
    const left = deadline - options.now();
    if (left <= 0 || signal?.aborted) return;
    woken = await wakeups.wait(key, seq, Math.min(left, options.recheckMs ?? left, MAX_TIMER_MS), signal);
  }
}

export interface Checked<T> {
  /** The hold has its answer. */
  done: boolean;
  /** The answer, or what the hold answers if it runs out now. */
  value: T;
}

/** Runs `check` on each turn of a hold and answers its value once done, or its last value when the hold ends. */
export async function hold<T>(options: HoldOptions, check: (woken: boolean) => Promise<Checked<T>>): Promise<T> {
  let last: Checked<T> | undefined;
  for await (const woken of holdTurns(options)) {
    last = await check(woken);
    if (last.done) break;
  }
  // holdTurns always yields at least once, so a check ran.
  return (last as Checked<T>).value;
}
