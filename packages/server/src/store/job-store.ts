// The job store contract: job transitions and reads, designed from Sluice's operations, not a backend. The
// worker registry (worker-registry.ts) and the webhook outbox (webhook-outbox.ts) are contracts of their own;
// sluice-store.ts names the whole store every implementation provides.
// Guarantees every implementation gives (checked by describeJobStoreConformance in store/testing/conformance.ts):
// - each method is one atomic step (one SQL transaction, one Lua script): no reader sees half a transition;
// - allowed transitions come from @sluice/protocol (nextStatus); a disallowed one changes nothing;
// - every entry into a terminal state of a job with a webhook adds one webhook delivery to the outbox,
//   and every terminal entry of a running job (cancel, timeout, invalid post) queues a job-stop for its worker,
//   in the same atomic step as the transition;
// - jobs of one endpoint are claimed in queue order: submissions and retries at the tail, requeues at the head;
// - `output` is only ever what spec §2.2 allows: a progress value does not survive cancel, timeout or reclaim.
import type { Json, JobStatus } from '@sluice/protocol';
import type { JobRecord, NewJob } from './job-record.js';

export type { NewJob };

export interface IdempotencyClaim {
  /** (API key, endpoint) scope, already combined by the caller. */
  scope: string;
  key: string;
  /** Hash of the request body: a repeat with another fingerprint is a conflict. */
  fingerprint: string;
  expiresAt: number;
}

export interface EnqueueOptions {
  idempotency?: IdempotencyClaim;
  /** Refuse with ERR_QUEUE_FULL when the endpoint already has this many IN_QUEUE jobs. */
  maxQueueSize?: number;
}

export interface EnqueueResult {
  job: JobRecord;
  /** false when an idempotency key matched an earlier job, which is returned instead. */
  created: boolean;
}

/** Outcome of a worker post (spec §6.4 acceptance rules). */
export type PostOutcome =
  /** The post changed the job. */
  | { kind: 'applied'; job: JobRecord }
  /** Known job, but terminal or leased to someone else: answered 200, nothing changed. */
  | { kind: 'ignored'; job: JobRecord }
  | { kind: 'not-found' }
  /** A stream post whose sequence was applied already (a retry of a post whose answer was lost): answered 200. */
  | { kind: 'duplicate'; job: JobRecord }
  /** A stream post that would take the job's unread items past `maxBufferBytes`: nothing appended. */
  | { kind: 'buffer-full'; job: JobRecord };

export interface AppendOptions {
  /**
   * The worker's number for this post, from 1 per job in the order it posted (`@sluice/worker` sends it): a post
   * numbered at or below the highest one applied during the same lease is a duplicate and appends nothing.
   */
  seq?: number;
  /** Refuse the item when the job's undelivered items (in UTF-8 bytes of their JSON) would exceed this. */
  maxBufferBytes?: number;
}

export interface FinalResult {
  status: Extract<JobStatus, 'COMPLETED' | 'FAILED'>;
  /** undefined: no output key; null is a posted null. */
  output?: Json;
  error?: string;
  /** The final post had isStream=true. */
  streaming?: boolean;
  /** Queue a job-stop for the worker too (sluice failed the job for an invalid post). */
  stopWorker?: boolean;
}

export interface StreamRead {
  job: JobRecord;
  /** Undelivered items, oldest first; the cursor has moved past them. */
  items: Json[];
  /**
   * Stream sequence number of `items[0]` (the next item's number when `items` is empty): a job's items are
   * numbered 1, 2, 3... in append order, and numbering restarts at 1 when a retry starts a fresh stream.
   * Readers use it to name each item (the SSE `id:`, spec §9.1) without keeping state of their own.
   */
  firstSeq: number;
}

export interface JobCounts {
  inQueue: number;
  inProgress: number;
  completed: number;
  /** FAILED or TIMED_OUT. */
  failed: number;
  /** Retained or active jobs with retries >= 1. */
  retried: number;
}

/** What the autoscaler and metrics read about one endpoint's queue (see `queueStats`). */
export interface QueueStats {
  /** IN_QUEUE jobs. */
  queued: number;
  /** IN_QUEUE jobs without `lowPriority`: the ones that may make the autoscaler add workers. */
  queuedNormal: number;
  /** Smallest `queuedAt` among IN_QUEUE jobs without `lowPriority`; undefined when there are none. */
  oldestNormalQueuedAt?: number;
}

/**
 * What one step did to one job: the record as it now is and the status it left. Methods whose starting status
 * is fixed by the contract (claim: IN_QUEUE; posts, unclaim, reclaim: IN_PROGRESS; purge: IN_QUEUE) return the
 * records alone; the others say where the job came from. The server derives every wake-up from this.
 */
export interface Transition {
  job: JobRecord;
  /** The status before the step; undefined for a job the step created. Equal to `job.status`: no change. */
  from: JobStatus | undefined;
}

/** A transition of a job that existed before the step. */
export interface StatusChange extends Transition {
  from: JobStatus;
}

/** A transition made by `expire`. */
export type ExpiredJob = StatusChange;

export interface ExpireResult {
  /** Jobs moved to TIMED_OUT (executionTimeout or ttl). */
  timedOut: ExpiredJob[];
  /** Records deleted (retention ended, or ttl deadline while terminal). */
  deleted: number;
}

export interface PurgeStep {
  purged: JobRecord[];
  /** Present while covered jobs may remain: pass it back as `cursor`. */
  next?: string;
}

export interface JobStore {
  // ── producer ───────────────────────────────────────────────────────────────
  /** Adds a job at the tail of its endpoint's queue (spec §2.3 row 1). */
  enqueue(job: NewJob, options?: EnqueueOptions): Promise<EnqueueResult>;
  get(endpointId: string, id: string): Promise<JobRecord | undefined>;
  /** IN_QUEUE or IN_PROGRESS → CANCELLED (rows 8, 9); a terminal job is returned unchanged. */
  cancel(endpointId: string, id: string, now: number): Promise<StatusChange | undefined>;
  /** FAILED or TIMED_OUT → IN_QUEUE at the tail (row 15); other states throw ERR_JOB_NOT_RETRYABLE. */
  retry(endpointId: string, id: string, now: number): Promise<StatusChange | undefined>;
  /**
   * IN_QUEUE jobs of the endpoint → CANCELLED (row 10), at most `max` per call, oldest first, so that a huge
   * queue is purged in bounded steps. The first call (no `cursor`) fixes which jobs the purge covers: those
   * queued at that moment. While `next` is returned, call again with it; jobs submitted meanwhile stay queued.
   */
  purgeQueue(endpointId: string, now: number, max: number, cursor?: string): Promise<PurgeStep>;
  /**
   * Moves the ttl deadline (`status?ttl=`, spec §4.3). `ttl`, when given, becomes the job's ttl, so a job it times
   * out reads `ttl expired (<that ttl> ms)`.
   */
  setTtlDeadline(endpointId: string, id: string, deadline: number, ttl?: number): Promise<JobRecord | undefined>;

  // ── worker ─────────────────────────────────────────────────────────────────
  /** Leases up to `max` IN_QUEUE jobs, oldest first, to `workerId` (row 2); none to a worker recorded as draining. */
  claim(endpointId: string, workerId: string, max: number, now: number): Promise<JobRecord[]>;
  /**
   * Puts claimed jobs whose take answer could not be written back at the head, no retry counted (spec §1.5).
   * Returns the jobs it requeued (those still leased to the worker).
   */
  unclaim(endpointId: string, workerId: string, ids: string[]): Promise<JobRecord[]>;
  /** `job-done` with status IN_PROGRESS (row 3): output becomes `output` (undefined: no output key, none). */
  progress(endpointId: string, workerId: string, id: string, output: Json | undefined): Promise<PostOutcome>;
  /** Final `job-done`, or sluice failing a job for an invalid post (rows 5, 6, 7). */
  finish(endpointId: string, workerId: string, id: string, result: FinalResult, now: number): Promise<PostOutcome>;
  /** `job-stream` post: appends one item (row 4), once per `seq`, within `maxBufferBytes` of unread items. */
  appendStream(
    endpointId: string,
    workerId: string,
    id: string,
    item: Json,
    options?: AppendOptions,
  ): Promise<PostOutcome>;
  /** Hands out up to `max` undelivered stream items and advances the job's one shared cursor (spec §4.5). */
  readStream(endpointId: string, id: string, max: number): Promise<StreamRead | undefined>;
  /**
   * Puts back the items of a `readStream` answer whose connection closed before it was written (spec §4.5):
   * they become the job's next undelivered items again, in order, numbered as before. Only while no later read
   * took items after them; otherwise, or for an unknown job, nothing changes. Answers whether they went back.
   */
  unreadStream(endpointId: string, id: string, firstSeq: number, items: Json[]): Promise<boolean>;

  // ── reader ─────────────────────────────────────────────────────────────────
  counts(endpointId: string): Promise<JobCounts>;
  /** Queue statistics of the endpoint; read every second per endpoint, so O(log n) or better in queued jobs. */
  queueStats(endpointId: string): Promise<QueueStats>;

  // ── maintenance ────────────────────────────────────────────────────────────
  /** Applies executionTimeout and ttl (rows 11, 12) and deletes records past retention or ttl (row 16). */
  expire(now: number): Promise<ExpireResult>;
  /**
   * Requeues (at the head, retries + 1) or fails (`worker lost`) the IN_PROGRESS jobs of a lost worker,
   * bounded by `maxReclaims` per job (row 13). Returns the jobs it changed.
   */
  reclaim(
    endpointId: string,
    workerId: string,
    jobIds: string[] | 'all',
    maxReclaims: number,
    error: string,
    now: number,
  ): Promise<JobRecord[]>;
}
