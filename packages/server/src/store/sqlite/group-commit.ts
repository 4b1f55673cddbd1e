// Group commit: writes that arrive in the same event-loop turn share one write transaction, so N concurrent
// requests (submissions, claims, worker posts) pay for one COMMIT (a WAL append under the write lock) instead of
// N; it was the largest single cost of `/run` on this store (docs/benchmarks.md). Every caller is still answered
// only after the commit that made its write durable.
import { setImmediate } from 'node:timers';
import type Database from 'better-sqlite3';
import { toStoreError } from './store-error.js';

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Batches calls of `apply` (run inside the shared transaction, synchronous, may throw) into one BEGIN IMMEDIATE
 * … COMMIT per event-loop turn. Each item runs in its own savepoint, so one that throws (queue full, idempotency
 * conflict) rolls back only its own writes and rejects only its own caller; a failed BEGIN or COMMIT rejects the
 * whole batch, none of which was written.
 */
export class GroupCommit<I, O> {
  private pending: Pending<I, O>[] = [];
  private scheduled = false;
  private readonly batch: Database.Transaction<(items: Pending<I, O>[]) => Outcome<O>[]>;

  constructor(
    db: Database.Database,
    apply: (item: I) => O,
    /** Bounds how long one batch holds the event loop (and the file's write lock). */
    private readonly maxBatch = 512,
  ) {
    // Called inside `batch`, a better-sqlite3 transaction function runs as a SAVEPOINT.
    const one = db.transaction(apply);
    this.batch = db.transaction((items: Pending<I, O>[]) =>
      items.map((entry): Outcome<O> => {
        try {
          return { ok: true, value: one(entry.item) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: requests on other connections are parsed in the same poll phase,
        // each followed by its own microtasks, and only a check-phase callback sees all of them.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything pending now; called before the connection closes. */
  drain(): void {
    while (this.pending.length > 0) this.commitNext();
  }

  private flush(): void {
    this.scheduled = false;
    this.commitNext();
    // What is left of a large turn goes in a later one, so timers and I/O run in between.
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private commitNext(): void {
    const items = this.pending.splice(0, this.maxBatch);
    let outcomes: Outcome<O>[];
    try {
      outcomes = this.batch.immediate(items);
    } catch (error) {
      const failure = toStoreError(error);
      for (const entry of items) entry.reject(failure);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const entry = items[i] as Pending<I, O>;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(toStoreError(outcome.error));
    });
  }
}
