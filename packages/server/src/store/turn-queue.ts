// The per-event-loop-turn batching queue under both stores' write paths: SQLite's group commit (one COMMIT per
// turn) and Redis' turn pipeline (one socket write per turn). Callers queue an item and get a promise; once per
// turn the queue hands what has arrived to the store's flush, which settles each caller with its own result or
// error.
import { setImmediate } from 'node:timers';

/** One queued item and the settlement of its caller. */
export interface Queued<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export class TurnQueue<I, O> {
  private pending: Queued<I, O>[] = [];
  private scheduled = false;

  constructor(
    /** Settles every entry it is given, synchronously or later; it must not throw. */
    private readonly flush: (batch: Queued<I, O>[]) => void,
    /** Bounds one flush (how long it holds the event loop); what is left goes in a later turn. */
    private readonly maxBatch = Infinity,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // setImmediate, not a microtask: requests on other connections are parsed in the same poll phase, each
      // followed by its own microtasks, and only a check-phase callback sees all of them.
      this.schedule();
    });
  }

  /** Flushes everything pending now, in batches; called before the connection closes. */
  drain(): void {
    while (this.pending.length > 0) this.flush(this.pending.splice(0, this.maxBatch));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.pending.length > 0) this.flush(this.pending.splice(0, this.maxBatch));
      // What is left of a large turn goes in a later one, so timers and I/O run in between.
      if (this.pending.length > 0) this.schedule();
    });
  }
}
