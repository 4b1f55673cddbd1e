// Every SQL statement of the SQLite job store, prepared once per connection.
// The SQL text is exported too, so tests can check with EXPLAIN QUERY PLAN that hot paths use an index.
import type Database from 'better-sqlite3';
import { JobStatus } from '@sluice/protocol';
import type { JobRow, JobStateRow, WebhookRow, WorkerRow, newJobParams } from './row-mapping.js';

const QUEUED = `'${JobStatus.IN_QUEUE}'`;
const RUNNING = `'${JobStatus.IN_PROGRESS}'`;

const JOB = `SELECT j.pk, j.endpoint_id, j.id, j.status, p.input, p.s3_config, j.webhook, j.execution_timeout, j.ttl,
  j.low_priority, j.sync, j.retention, j.created_at, j.queued_at, j.started_at, j.finished_at, j.worker_id,
  j.previous_worker_id, j.output, j.error, j.retries, j.reclaims, j.streaming, j.ttl_deadline, j.retain_until,
  j.queue_seq, j.stream_cursor
  FROM jobs j JOIN job_payloads p ON p.job_pk = j.pk`;

const WORKER = `SELECT w.*, (SELECT count(*) FROM jobs j
    WHERE j.endpoint_id = w.endpoint_id AND j.worker_id = w.worker_id AND j.status = ${RUNNING}) AS in_flight
  FROM workers w`;

export const SQL = {
  nextTailSeq: `UPDATE store_counters SET value = value + 1 WHERE name = 'queue_seq' RETURNING value`,
  moveTtl: `UPDATE jobs SET ttl = ?, ttl_deadline = ? WHERE pk = ?`,
  probeWrite: `INSERT INTO store_counters (name, value) VALUES ('readiness_probe', ?)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  lastQueueSeq: `SELECT value FROM store_counters WHERE name = 'queue_seq'`,
  headSeq: `SELECT queue_seq FROM jobs WHERE endpoint_id = ? AND status = ${QUEUED} ORDER BY queue_seq LIMIT 1`,
  countQueued: `SELECT jobs FROM job_counts WHERE endpoint_id = ? AND status = ${QUEUED}`,
  insertJob: `INSERT INTO jobs (endpoint_id, id, status, webhook, execution_timeout, ttl, low_priority, sync,
      retention, created_at, queued_at, retries, reclaims, streaming, ttl_deadline, queue_seq)
    VALUES (@endpoint_id, @id, ${QUEUED}, @webhook, @execution_timeout, @ttl, @low_priority, @sync,
      @retention, @created_at, @created_at, 0, 0, 0, @ttl_deadline, @queue_seq)`,
  insertPayload: `INSERT INTO job_payloads (job_pk, input, s3_config) VALUES (?, ?, ?)`,
  saveJob: `UPDATE jobs SET status = @status, queued_at = @queued_at, started_at = @started_at,
      finished_at = @finished_at, worker_id = @worker_id, previous_worker_id = @previous_worker_id,
      output = @output, error = @error, retries = @retries, reclaims = @reclaims, streaming = @streaming,
      ttl_deadline = @ttl_deadline, retain_until = @retain_until, queue_seq = @queue_seq,
      stream_cursor = @stream_cursor
    WHERE pk = @pk`,
  // A claim changes four columns: naming only those leaves the indexes over the others untouched.
  claimJob: `UPDATE jobs SET status = ?, worker_id = ?, started_at = ?, previous_worker_id = NULL WHERE pk = ?`,
  job: `${JOB} WHERE j.endpoint_id = ? AND j.id = ?`,
  queueHead: `${JOB} WHERE j.endpoint_id = ? AND j.status = ${QUEUED} ORDER BY j.queue_seq LIMIT ?`,
  queueHeadUpTo: `${JOB} WHERE j.endpoint_id = ? AND j.status = ${QUEUED} AND j.queue_seq <= ?
    ORDER BY j.queue_seq LIMIT ?`,
  leased: `${JOB} WHERE j.endpoint_id = ? AND j.worker_id = ? AND j.status = ${RUNNING}`,
  runDeadlinePassed: `${JOB} WHERE j.run_deadline <= ? ORDER BY j.run_deadline`,
  liveDeadlinePassed: `${JOB} WHERE j.live_deadline <= ? ORDER BY j.live_deadline`,
  deleteDueJobs: `DELETE FROM jobs WHERE delete_at <= ?`,
  counts: `SELECT status, jobs AS n, retried FROM job_counts WHERE endpoint_id = ?`,
  countQueuedNormal: `SELECT jobs FROM normal_queue_counts WHERE endpoint_id = ?`,
  oldestQueuedNormal: `SELECT min(queued_at) FROM jobs
    WHERE endpoint_id = ? AND status = ${QUEUED} AND low_priority = 0`,

  lastStreamSeq: `SELECT max(seq) FROM stream_items WHERE job_pk = ?`,
  insertStreamItem: `INSERT INTO stream_items (job_pk, seq, item) VALUES (?, ?, ?)`,
  streamAfter: `SELECT seq, item FROM stream_items WHERE job_pk = ? AND seq > ? ORDER BY seq LIMIT ?`,
  deleteStreamThrough: `DELETE FROM stream_items WHERE job_pk = ? AND seq <= ?`,
  // A read moves only the cursor: naming one column leaves the job's indexes and counting triggers untouched.
  moveStreamCursor: `UPDATE jobs SET stream_cursor = ? WHERE pk = ?`,
  deleteStream: `DELETE FROM stream_items WHERE job_pk = ?`,
  streamState: `SELECT unread_bytes, post_lease, post_seq FROM stream_state WHERE job_pk = ?`,
  putStreamState: `INSERT INTO stream_state (job_pk, unread_bytes, post_lease, post_seq) VALUES (?, ?, ?, ?)
    ON CONFLICT (job_pk) DO UPDATE SET unread_bytes = excluded.unread_bytes, post_lease = excluded.post_lease,
      post_seq = excluded.post_seq`,
  consumeStreamBytes: `UPDATE stream_state SET unread_bytes = max(0, unread_bytes - ?) WHERE job_pk = ?`,
  deleteStreamState: `DELETE FROM stream_state WHERE job_pk = ?`,

  insertStop: `INSERT OR IGNORE INTO job_stops (endpoint_id, worker_id, job_pk) VALUES (?, ?, ?)`,
  stopsFor: `SELECT j.id FROM job_stops s JOIN jobs j ON j.pk = s.job_pk
    WHERE s.endpoint_id = ? AND s.worker_id = ? ORDER BY s.job_pk`,
  deleteStopsFor: `DELETE FROM job_stops WHERE endpoint_id = ? AND worker_id = ?`,

  insertWebhook: `INSERT INTO webhook_outbox (id, endpoint_id, job_id, url, body, attempts, due_at)
    VALUES (?, ?, ?, ?, ?, 0, ?)`,
  dueWebhooks: `SELECT id, endpoint_id, job_id, url, body, attempts FROM webhook_outbox
    WHERE due_at <= ? ORDER BY due_at LIMIT ?`,
  /** The earliest `rank` due deliveries of each endpoint, earliest first (fair shares, see takeDueWebhooks). */
  dueWebhooksPerEndpoint: `SELECT id, endpoint_id, job_id, url, body, attempts FROM (
      SELECT *, row_number() OVER (PARTITION BY endpoint_id ORDER BY due_at, id) AS rank FROM webhook_outbox
      WHERE due_at <= ?)
    WHERE rank <= ? ORDER BY due_at, id`,
  leaseWebhook: `UPDATE webhook_outbox SET due_at = ? WHERE id = ?`,
  deleteWebhook: `DELETE FROM webhook_outbox WHERE id = ?`,
  rescheduleWebhook: `UPDATE webhook_outbox SET attempts = attempts + 1, due_at = ? WHERE id = ?`,

  idempotencyKey: `SELECT fingerprint, endpoint_id, job_id, expires_at FROM idempotency_keys WHERE scope = ? AND key = ?`,
  putIdempotencyKey: `INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, endpoint_id, job_id, expires_at)
    VALUES (?, ?, ?, ?, ?, ?)`,
  deleteExpiredKeys: `DELETE FROM idempotency_keys WHERE expires_at <= ?`,

  worker: `${WORKER} WHERE w.endpoint_id = ? AND w.worker_id = ?`,
  workerDraining: `SELECT draining FROM workers WHERE endpoint_id = ? AND worker_id = ?`,
  workers: `${WORKER} WHERE w.endpoint_id = ? ORDER BY w.worker_id`,
  registerWorker: `INSERT OR IGNORE INTO workers (endpoint_id, worker_id, first_seen_at, ping_job_ids, draining)
    VALUES (?, ?, ?, '[]', 0)`,
  saveWorker: `UPDATE workers SET last_seen_at = @last_seen_at, last_ping_at = @last_ping_at,
      ping_job_ids = @ping_job_ids, version = @version, label = @label, draining = @draining,
      unhealthy_at = @unhealthy_at, unhealthy_check = @unhealthy_check, unhealthy_reason = @unhealthy_reason
    WHERE endpoint_id = @endpoint_id AND worker_id = @worker_id`,
  deleteWorker: `DELETE FROM workers WHERE endpoint_id = ? AND worker_id = ?`,
} as const;

type Id = [endpointId: string, id: string];

export interface IdempotencyRow {
  fingerprint: string;
  endpoint_id: string;
  job_id: string;
  expires_at: number;
}

export interface CountRow {
  status: JobStatus;
  n: number;
  retried: number;
}

/** The part of a prepared statement the store uses, typed by its parameters and its rows. */
export interface Prepared<P extends unknown[], R = unknown> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/** The prepared statements of one connection. */
export function prepareStatements(db: Database.Database) {
  const p = <P extends unknown[], R = unknown>(sql: string): Prepared<P, R> => db.prepare<P, R>(sql);
  /** A statement whose rows are their first column's value. */
  const v = <P extends unknown[], R>(sql: string): Prepared<P, R> => db.prepare<P, R>(sql).pluck();
  return {
    nextTailSeq: v<[], number>(SQL.nextTailSeq),
    lastQueueSeq: v<[], number>(SQL.lastQueueSeq),
    headSeq: v<[endpointId: string], number>(SQL.headSeq),
    countQueued: v<[endpointId: string], number>(SQL.countQueued),
    insertJob: p<[ReturnType<typeof newJobParams>]>(SQL.insertJob),
    insertPayload: p<[pk: number, input: string, s3Config: string | null]>(SQL.insertPayload),
    saveJob: p<[JobStateRow]>(SQL.saveJob),
    claimJob: p<[status: string, workerId: string, startedAt: number, pk: number]>(SQL.claimJob),
    job: p<Id, JobRow>(SQL.job),
    queueHead: p<[endpointId: string, limit: number], JobRow>(SQL.queueHead),
    queueHeadUpTo: p<[endpointId: string, upTo: number, limit: number], JobRow>(SQL.queueHeadUpTo),
    leased: p<[endpointId: string, workerId: string], JobRow>(SQL.leased),
    runDeadlinePassed: p<[now: number], JobRow>(SQL.runDeadlinePassed),
    liveDeadlinePassed: p<[now: number], JobRow>(SQL.liveDeadlinePassed),
    deleteDueJobs: p<[now: number]>(SQL.deleteDueJobs),
    counts: p<[endpointId: string], CountRow>(SQL.counts),
    countQueuedNormal: v<[endpointId: string], number>(SQL.countQueuedNormal),
    oldestQueuedNormal: v<[endpointId: string], number | null>(SQL.oldestQueuedNormal),

    lastStreamSeq: v<[pk: number], number | null>(SQL.lastStreamSeq),
    insertStreamItem: p<[pk: number, seq: number, item: string]>(SQL.insertStreamItem),
    streamAfter: p<[pk: number, after: number, limit: number], { seq: number; item: string }>(SQL.streamAfter),
    deleteStreamThrough: p<[pk: number, seq: number]>(SQL.deleteStreamThrough),
    moveStreamCursor: p<[seq: number, pk: number]>(SQL.moveStreamCursor),
    deleteStream: p<[pk: number]>(SQL.deleteStream),
    streamState: p<[pk: number], StreamStateRow>(SQL.streamState),
    putStreamState: p<[pk: number, unreadBytes: number, postLease: number | null, postSeq: number]>(SQL.putStreamState),
    consumeStreamBytes: p<[bytes: number, pk: number]>(SQL.consumeStreamBytes),
    deleteStreamState: p<[pk: number]>(SQL.deleteStreamState),

    insertStop: p<[endpointId: string, workerId: string, pk: number]>(SQL.insertStop),
    stopsFor: v<[endpointId: string, workerId: string], string>(SQL.stopsFor),
    deleteStopsFor: p<[endpointId: string, workerId: string]>(SQL.deleteStopsFor),

    insertWebhook: p<[id: string, endpointId: string, jobId: string, url: string, body: string, dueAt: number]>(
      SQL.insertWebhook,
    ),
    dueWebhooks: p<[now: number, limit: number], WebhookRow>(SQL.dueWebhooks),
    dueWebhooksPerEndpoint: p<[now: number, perEndpoint: number], WebhookRow>(SQL.dueWebhooksPerEndpoint),
    leaseWebhook: p<[dueAt: number, id: string]>(SQL.leaseWebhook),
    deleteWebhook: p<[id: string]>(SQL.deleteWebhook),
    rescheduleWebhook: p<[dueAt: number, id: string]>(SQL.rescheduleWebhook),

    idempotencyKey: p<[scope: string, key: string], IdempotencyRow>(SQL.idempotencyKey),
    putIdempotencyKey: p<
      [scope: string, key: string, fingerprint: string, endpointId: string, jobId: string, expiresAt: number]
    >(SQL.putIdempotencyKey),
    deleteExpiredKeys: p<[now: number]>(SQL.deleteExpiredKeys),

    worker: p<[endpointId: string, workerId: string], WorkerRow>(SQL.worker),
    workerDraining: v<[endpointId: string, workerId: string], number>(SQL.workerDraining),
    workers: p<[endpointId: string], WorkerRow>(SQL.workers),
    registerWorker: p<[endpointId: string, workerId: string, now: number]>(SQL.registerWorker),
    saveWorker: p<[Omit<WorkerRow, 'first_seen_at' | 'in_flight'>]>(SQL.saveWorker),
    deleteWorker: p<[endpointId: string, workerId: string]>(SQL.deleteWorker),

    probeWrite: p<[now: number]>(SQL.probeWrite),
    moveTtl: p<[ttl: number, deadline: number, pk: number]>(SQL.moveTtl),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export interface StreamStateRow {
  unread_bytes: number;
  post_lease: number | null;
  post_seq: number;
}
