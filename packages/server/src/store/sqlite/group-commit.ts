// Group commit: writes that arrive in the same event-loop turn share one write transaction, so N concurrent
// requests (submissions, claims, worker posts) pay for one COMMIT (a WAL append under the write lock) instead of
// N; it was the largest single cost of `/run` on this store (docs/benchmarks.md). Every caller is still answered
// only after the commit that made its write durable. The batching per turn is the shared TurnQueue.
import type Database from 'better-sqlite3';
import { TurnQueue, type Queued } from '../turn-queue.js';
import { toStoreError } from './store-error.js';

type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Batches calls of `apply` (run inside the shared transaction, synchronous, may throw) into one BEGIN IMMEDIATE
 * … COMMIT per event-loop turn. Each item runs in its own savepoint, so one that throws (queue full, idempotency
 * conflict) rolls back only its own writes and rejects only its own caller; a failed BEGIN or COMMIT rejects the
 * whole batch, none of which was written.
 */
export class GroupCommit<I, O> {
  private readonly queue: TurnQueue<I, O>;
  private readonly batch: Database.Transaction<(items: Queued<I, O>[]) => Outcome<O>[]>;

  constructor(
    db: Database.Database,
    apply: (item: I) => O,
    /** Bounds how long one batch holds the event loop (and the file's write lock). */
    maxBatch = 512,
  ) {
    // Called inside `batch`, a better-sqlite3 transaction function runs as a SAVEPOINT.
    const one = db.transaction(apply);
    this.batch = db.transaction((items: Queued<I, O>[]) =>
      items.map((entry): Outcome<O> => {
        try {
          return { ok: true, value: one(entry.item) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
    this.queue = new TurnQueue((items) => this.commit(items), maxBatch);
  }

  submit(item: I): Promise<O> {
    return this.queue.submit(item);
  }

  /** Commits everything pending now; called before the connection closes. */
  drain(): void {
    this.queue.drain();
  }

  private commit(items: Queued<I, O>[]): void {
    let outcomes: Outcome<O>[];
    try {
      outcomes = this.batch.immediate(items);
    } catch (error) {
      const failure = toStoreError(error);
      for (const entry of items) entry.reject(failure);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const entry = items[i] as Queued<I, O>;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(toStoreError(outcome.error));
    });
  }
}
