// The whole store an implementation provides (SQLite, Redis): one object behind every contract, because a job's
// transition, the job-stop or webhook delivery it queues and the worker's lease evidence must change in one
// atomic step. Only the composition root (cli/, main.ts, app.ts) holds it whole; every other module takes the
// narrowest contract it uses. Job history and worker logs are separate stores (job-history.ts, job-log-store.ts).
import type { JobStore } from './job-store.js';
import type { StoreSignals } from './store-signals.js';
import type { WebhookOutbox } from './webhook-outbox.js';
import type { WorkerRegistry } from './worker-registry.js';

export interface SluiceStore extends JobStore, WorkerRegistry, WebhookOutbox {
  /** Present when other processes may share this store. */
  readonly signals?: StoreSignals;

  /**
   * True when the writes issued in one event-loop turn are applied in the order they were issued, in one commit,
   * and each call settles only after that commit (the SQLite group commit). A claim issued right after an
   * enqueue then finds the job in the same commit, so PublishingStore wakes a waiting worker as the enqueue is
   * issued rather than after it commits: one commit and one event-loop turn fewer between `/run` and the worker.
   */
  readonly ordersTurnWrites?: boolean;

  /**
   * Proves the store reachable and writable now (`GET /readyz`): one small durable write, plus whatever the
   * backend needs to be able to take more (free disk space). Rejects with ERR_UNAVAILABLE otherwise.
   */
  checkWritable(now: number): Promise<void>;

  /** Releases connections and file handles. Idempotent; every later call rejects with ERR_UNAVAILABLE. */
  close(): Promise<void>;
}
