// SqliteJobStore: the JobStore contract on one better-sqlite3 connection. Every method is one transaction
// run by TransactionRunner (connection.ts); statements are prepared once per connection; transitions come from
// @sluice/protocol (nextStatus), and the per-operation logic lives in the modules imported below.
import type Database from 'better-sqlite3';
import {
  JobEvent,
  JobStatus,
  SluiceError,
  nextStatus,
  notRetryable,
  statusesAllowing,
  type Json,
} from '@sluice/protocol';
import { queuedJobRecord, type JobRecord } from '../job-record.js';
import type {
  AppendOptions,
  EnqueueOptions,
  EnqueueResult,
  ExpireResult,
  FinalResult,
  JobCounts,
  NewJob,
  PostOutcome,
  PurgeStep,
  QueueStats,
  StatusChange,
  StreamRead,
} from '../job-store.js';
import type { PingRecorded, PingUpdate, WorkerRecord, WorkerUpdate } from '../worker-registry.js';
import type { WebhookTakeLimits, WebhookDelivery } from '../webhook-outbox.js';
import type { SluiceStore } from '../sluice-store.js';
import { enterTerminal, isLeasedTo, loadJob, requeueAtHead, saveJob, tailSeq } from './job-transitions.js';
import { expireJobs, reclaimJobs } from './maintenance.js';
import { TransactionRunner, checkFreeSpace, openDatabase, type SqliteJobStoreOptions } from './connection.js';
import { attempt } from './store-error.js';
import { jsonText, newJobParams, rowToDelivery, rowToJob, type JobRow } from './row-mapping.js';
import { prepareStatements, type Statements } from './statements.js';
import { appendStreamItem, finishJob, progressJob, readStreamItems, unreadStreamItems } from './worker-posts.js';
import { listWorkers, loadWorker, recordWorker } from './worker-registry.js';
import { prepareLeaseStatements, recordPing, type LeaseStatements } from './lease-evidence.js';

export type { SqliteJobStoreOptions };

/** Opens the store at `options.path` (a file, created with its directory if missing, or ':memory:'). */
export function openSqliteJobStore(options: SqliteJobStoreOptions): SqliteJobStore {
  return new SqliteJobStore(openDatabase(options), options.path);
}

export class SqliteJobStore implements SluiceStore {
  private readonly st: Statements;
  private readonly leaseSt: LeaseStatements;
  private readonly tx: TransactionRunner;
  /** Request-path writes share the turn's group commit, applied in the order issued (connection.ts). */
  readonly ordersTurnWrites = true;

  /** Takes a connection that openSqliteJobStore has set up and migrated; the store owns it from now on. */
  constructor(
    private readonly db: Database.Database,
    /** The database file, for the free-space check of `checkWritable`; ':memory:' has none. */
    private readonly path = ':memory:',
  ) {
    this.st = prepareStatements(db);
    this.leaseSt = prepareLeaseStatements(db);
    this.tx = new TransactionRunner(db);
  }

  close(): Promise<void> {
    return attempt(() => {
      if (!this.db.open) return;
      this.tx.drain();
      this.db.close();
    });
  }

  async checkWritable(now: number): Promise<void> {
    await this.tx.write(() => this.st.probeWrite.run(now));
    await checkFreeSpace(this.path);
  }

  // ── producer ───────────────────────────────────────────────────────────────
  enqueue(job: NewJob, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    return this.tx.writeGrouped(() => this.insert(job, options));
  }

  get(endpointId: string, id: string): Promise<JobRecord | undefined> {
    return this.tx.read(() => {
      const row = loadJob(this.st, endpointId, id);
      return row && rowToJob(row);
    });
  }

  cancel(endpointId: string, id: string, now: number): Promise<StatusChange | undefined> {
    return this.tx.write(() => {
      const row = loadJob(this.st, endpointId, id);
      if (row === undefined) return undefined;
      const from = row.status;
      const to = nextStatus(from, JobEvent.CANCEL);
      if (to === undefined) return { job: rowToJob(row), from };
      const stopWorker = from === JobStatus.IN_PROGRESS ? row.worker_id : null;
      row.output = null;
      return { job: enterTerminal(this.st, row, { status: to, stopWorker }, now), from };
    });
  }

  retry(endpointId: string, id: string, now: number): Promise<StatusChange | undefined> {
    return this.tx.write(() => {
      const row = loadJob(this.st, endpointId, id);
      if (row === undefined) return undefined;
      const from = row.status;
      const to = nextStatus(row.status, JobEvent.RETRY);
      if (to === undefined) {
        throw notRetryable(row.status);
      }
      Object.assign(row, {
        status: to,
        queue_seq: tailSeq(this.st),
        queued_at: now,
        ttl_deadline: now + row.ttl,
        retries: row.retries + 1,
        // A retry is a fresh attempt: it gets the whole reclaim budget again.
        reclaims: 0,
        ...{ started_at: null, finished_at: null, retain_until: null, worker_id: null, previous_worker_id: null },
        ...{ output: null, error: null, streaming: 0, stream_cursor: 0 },
      } satisfies Partial<JobRow>);
      this.st.deleteStream.run(row.pk);
      this.st.deleteStreamState.run(row.pk);
      saveJob(this.st, row);
      return { job: rowToJob(row), from };
    });
  }

  purgeQueue(endpointId: string, now: number, max: number, cursor?: string): Promise<PurgeStep> {
    return this.tx.write(() => {
      // The bound is the newest queue position when the purge began; later submissions and retries go after it.
      const bound = cursor === undefined ? (this.st.lastQueueSeq.get() ?? 0) : Number(cursor);
      const rows = this.st.queueHeadUpTo.all(endpointId, bound, max);
      const purged: JobRecord[] = [];
      for (const row of rows) {
        const to = nextStatus(row.status, JobEvent.CANCEL);
        if (to !== undefined) purged.push(enterTerminal(this.st, row, { status: to }, now));
      }
      return rows.length < max ? { purged } : { purged, next: String(bound) };
    });
  }

  setTtlDeadline(endpointId: string, id: string, deadline: number, ttl?: number): Promise<JobRecord | undefined> {
    return this.tx.write(() => {
      const row = loadJob(this.st, endpointId, id);
      if (row === undefined) return undefined;
      row.ttl_deadline = deadline;
      row.ttl = ttl ?? row.ttl;
      this.st.moveTtl.run(row.ttl, deadline, row.pk);
      return rowToJob(row);
    });
  }

  // ── worker ─────────────────────────────────────────────────────────────────
  claim(endpointId: string, workerId: string, max: number, now: number): Promise<JobRecord[]> {
    return this.tx.writeGrouped(() => {
      if (max <= 0 || this.st.workerDraining.get(endpointId, workerId) === 1) return [];
      const claimed: JobRecord[] = [];
      for (const row of this.st.queueHead.all(endpointId, max)) {
        const to = nextStatus(row.status, JobEvent.CLAIM);
        if (to === undefined) continue;
        Object.assign(row, { status: to, worker_id: workerId, started_at: now, previous_worker_id: null });
        this.st.claimJob.run(to, workerId, now, row.pk);
        claimed.push(rowToJob(row));
      }
      return claimed;
    });
  }

  unclaim(endpointId: string, workerId: string, ids: string[]): Promise<JobRecord[]> {
    return this.tx.write(() => requeueAtHead(this.st, this.leasedRows(endpointId, workerId, ids), () => undefined));
  }

  progress(endpointId: string, workerId: string, id: string, output: Json | undefined): Promise<PostOutcome> {
    return this.tx.writeGrouped(() => progressJob(this.st, endpointId, workerId, id, output));
  }

  finish(endpointId: string, workerId: string, id: string, result: FinalResult, now: number): Promise<PostOutcome> {
    return this.tx.writeGrouped(() => finishJob(this.st, endpointId, workerId, id, result, now));
  }

  appendStream(
    endpointId: string,
    workerId: string,
    id: string,
    item: Json,
    options: AppendOptions = {},
  ): Promise<PostOutcome> {
    return this.tx.writeGrouped(() => appendStreamItem(this.st, endpointId, workerId, id, item, options));
  }

  readStream(endpointId: string, id: string, max: number): Promise<StreamRead | undefined> {
    return this.tx.writeGrouped(() => readStreamItems(this.st, endpointId, id, max));
  }

  unreadStream(endpointId: string, id: string, firstSeq: number, items: Json[]): Promise<boolean> {
    return this.tx.write(() => unreadStreamItems(this.st, endpointId, id, firstSeq, items));
  }

  takeStops(endpointId: string, workerId: string): Promise<string[]> {
    return this.tx.write(() => {
      const ids = this.st.stopsFor.all(endpointId, workerId);
      if (ids.length > 0) this.st.deleteStopsFor.run(endpointId, workerId);
      return ids;
    });
  }

  requestStop(endpointId: string, workerId: string, jobId: string): Promise<void> {
    return this.tx.write(() => {
      const row = loadJob(this.st, endpointId, jobId);
      if (row === undefined || row.status === JobStatus.IN_PROGRESS || row.status === JobStatus.IN_QUEUE) return;
      this.st.insertStop.run(endpointId, workerId, row.pk);
    });
  }

  leasedJobs(endpointId: string, workerId: string): Promise<JobRecord[]> {
    return this.tx.read(() => this.st.leased.all(endpointId, workerId).map(rowToJob));
  }

  // ── workers ────────────────────────────────────────────────────────────────
  recordWorker(endpointId: string, workerId: string, update: WorkerUpdate, now: number): Promise<WorkerRecord> {
    return this.tx.write(() => recordWorker(this.st, endpointId, workerId, update, now));
  }

  recordPing(endpointId: string, workerId: string, ping: PingUpdate, now: number): Promise<PingRecorded> {
    return this.tx.write(() => recordPing(this.st, this.leaseSt, endpointId, workerId, ping, now));
  }

  getWorker(endpointId: string, workerId: string): Promise<WorkerRecord | undefined> {
    return this.tx.read(() => loadWorker(this.st, endpointId, workerId));
  }

  listWorkers(endpointId: string): Promise<WorkerRecord[]> {
    return this.tx.read(() => listWorkers(this.st, endpointId));
  }

  /** Forgets the worker, any job-stops still pending for it and the evidence of its pings. */
  removeWorker(endpointId: string, workerId: string): Promise<void> {
    return this.tx.write(() => {
      this.st.deleteWorker.run(endpointId, workerId);
      this.st.deleteStopsFor.run(endpointId, workerId);
      this.leaseSt.dropWorker.run(endpointId, workerId);
    });
  }

  // ── reader ─────────────────────────────────────────────────────────────────
  counts(endpointId: string): Promise<JobCounts> {
    return this.tx.read(() => {
      const counts: JobCounts = { inQueue: 0, inProgress: 0, completed: 0, failed: 0, retried: 0 };
      for (const { status, n, retried } of this.st.counts.all(endpointId)) {
        counts.retried += retried;
        if (status === JobStatus.IN_QUEUE) counts.inQueue += n;
        else if (status === JobStatus.IN_PROGRESS) counts.inProgress += n;
        else if (status === JobStatus.COMPLETED) counts.completed += n;
        else if (status === JobStatus.FAILED || status === JobStatus.TIMED_OUT) counts.failed += n;
      }
      return counts;
    });
  }

  queueStats(endpointId: string): Promise<QueueStats> {
    return this.tx.read(() => {
      const oldest = this.st.oldestQueuedNormal.get(endpointId) ?? null;
      return {
        queued: this.st.countQueued.get(endpointId) ?? 0,
        queuedNormal: this.st.countQueuedNormal.get(endpointId) ?? 0,
        ...(oldest === null ? {} : { oldestNormalQueuedAt: oldest }),
      };
    });
  }

  // ── maintenance ────────────────────────────────────────────────────────────
  expire(now: number): Promise<ExpireResult> {
    return this.tx.write(() => expireJobs(this.st, now));
  }

  reclaim(
    endpointId: string,
    workerId: string,
    jobIds: string[] | 'all',
    maxReclaims: number,
    error: string,
    now: number,
  ): Promise<JobRecord[]> {
    return this.tx.write(() =>
      reclaimJobs(this.st, this.leasedRows(endpointId, workerId, jobIds), maxReclaims, error, now),
    );
  }

  // ── webhook outbox ─────────────────────────────────────────────────────────
  takeDueWebhooks(now: number, max: number, leaseMs: number, limits?: WebhookTakeLimits): Promise<WebhookDelivery[]> {
    return this.tx.write(() => {
      if (max <= 0) return [];
      const rows = limits
        ? withinShares(this.st.dueWebhooksPerEndpoint.all(now, limits.maxPerEndpoint), max, limits)
        : this.st.dueWebhooks.all(now, max);
      for (const row of rows) this.st.leaseWebhook.run(now + leaseMs, row.id);
      return rows.map(rowToDelivery);
    });
  }

  settleWebhook(id: string, outcome: { done: true } | { done: false; retryAt: number }): Promise<void> {
    return this.tx.write(() => {
      if (outcome.done) this.st.deleteWebhook.run(id);
      else this.st.rescheduleWebhook.run(outcome.retryAt, id);
    });
  }

  // ── internals ──────────────────────────────────────────────────────────────
  /** One submission, inside the group commit's transaction. */
  private insert(job: NewJob, options: EnqueueOptions): EnqueueResult {
    const replay = this.replayOf(job, options);
    if (replay !== undefined) return { job: replay, created: false };
    const { maxQueueSize, idempotency } = options;
    if (maxQueueSize !== undefined && (this.st.countQueued.get(job.endpointId) ?? 0) >= maxQueueSize) {
      throw new SluiceError('ERR_QUEUE_FULL');
    }
    const { lastInsertRowid } = this.st.insertJob.run(newJobParams(job, tailSeq(this.st)));
    this.st.insertPayload.run(Number(lastInsertRowid), JSON.stringify(job.input), jsonText(job.s3Config));
    if (idempotency !== undefined) {
      const { scope, key, fingerprint, expiresAt } = idempotency;
      this.st.putIdempotencyKey.run(scope, key, fingerprint, job.endpointId, job.id, expiresAt);
    }
    return { job: queuedJobRecord(job), created: true };
  }

  /** The earlier job a live idempotency entry points at; throws on a fingerprint mismatch (spec §9.2). */
  private replayOf(job: NewJob, { idempotency }: EnqueueOptions): JobRecord | undefined {
    if (idempotency === undefined) return undefined;
    const entry = this.st.idempotencyKey.get(idempotency.scope, idempotency.key);
    if (entry === undefined || entry.expires_at <= job.createdAt) return undefined;
    const earlier = loadJob(this.st, entry.endpoint_id, entry.job_id);
    if (earlier === undefined) return undefined;
    if (entry.fingerprint !== idempotency.fingerprint) {
      throw new SluiceError('ERR_IDEMPOTENCY_CONFLICT');
    }
    return rowToJob(earlier);
  }

  /** The jobs among `ids` leased to `workerId` now that may be requeued ('all': every one it holds). */
  private leasedRows(endpointId: string, workerId: string, ids: string[] | 'all'): JobRow[] {
    const requeuable = statusesAllowing(JobEvent.REQUEUE);
    const rows =
      ids === 'all'
        ? this.st.leased.all(endpointId, workerId)
        : [...new Set(ids)].map((id) => loadJob(this.st, endpointId, id)).filter((row) => row !== undefined);
    return rows.filter((row) => isLeasedTo(row, workerId) && requeuable.includes(row.status));
  }
}

/** The earliest rows, at most `max`, leaving out those of an endpoint past its share of in-flight deliveries. */
function withinShares<T extends { endpoint_id: string }>(rows: T[], max: number, limits: WebhookTakeLimits): T[] {
  const taken = new Map(limits.inFlight);
  const out: T[] = [];
  for (const row of rows) {
    if (out.length >= max) break;
    const busy = taken.get(row.endpoint_id) ?? 0;
    if (busy >= limits.maxPerEndpoint) continue;
    taken.set(row.endpoint_id, busy + 1);
    out.push(row);
  }
  return out;
}
