// The SQLite schema, as an ordered list of migrations tracked by `PRAGMA user_version`.
// Each step runs once, inside one IMMEDIATE transaction, so concurrent openers of one file migrate it once.
import type Database from 'better-sqlite3';
import { JobStatus, SluiceError } from '@sluice/protocol';

const { IN_PROGRESS, IN_QUEUE } = JobStatus;

/*
 * Invariants of version 1:
 * - `jobs` holds the small, often-rewritten state of a job; the immutable, possibly large submission
 *   (`input`, `s3Config`) lives in `job_payloads`, so state updates never rewrite it.
 * - `retain_until IS NOT NULL` exactly when the job is terminal (it is set on every terminal entry and
 *   cleared by retry). The three generated deadlines below rely on it, one per `expire` rule, each with
 *   a partial index, so `expire` reads only the rows that are due however many jobs are queued.
 * - `queue_seq` is the job's position at its latest entry into IN_QUEUE (lowest is claimed first); tails
 *   come from the `queue_seq` counter, heads are one below the current lowest queued job of the endpoint.
 * - `stream_cursor` is the seq of the last stream item handed out; items at or below it are deleted.
 * - Children of a job (payload, stream items, pending stops) go with it by ON DELETE CASCADE; webhook
 *   outbox rows deliberately do not, since a deleted job's webhook must still be delivered.
 */
const V1 = `
CREATE TABLE store_counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO store_counters (name, value) VALUES ('queue_seq', 0);

CREATE TABLE jobs (
  pk INTEGER PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  id TEXT NOT NULL,
  status TEXT NOT NULL,
  webhook TEXT,
  execution_timeout INTEGER NOT NULL,
  ttl INTEGER NOT NULL,
  low_priority INTEGER NOT NULL,
  sync INTEGER NOT NULL,
  retention INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  worker_id TEXT,
  previous_worker_id TEXT,
  output TEXT,
  error TEXT,
  retries INTEGER NOT NULL,
  reclaims INTEGER NOT NULL,
  streaming INTEGER NOT NULL,
  ttl_deadline INTEGER NOT NULL,
  retain_until INTEGER,
  queue_seq INTEGER NOT NULL,
  stream_cursor INTEGER NOT NULL DEFAULT 0,
  run_deadline INTEGER GENERATED ALWAYS AS (
    CASE WHEN retain_until IS NULL THEN started_at + execution_timeout END) VIRTUAL,
  live_deadline INTEGER GENERATED ALWAYS AS (
    CASE WHEN retain_until IS NULL THEN ttl_deadline END) VIRTUAL,
  delete_at INTEGER GENERATED ALWAYS AS (
    CASE WHEN retain_until IS NULL THEN NULL
         WHEN ttl_deadline > finished_at THEN min(retain_until, ttl_deadline)
         ELSE retain_until END) VIRTUAL,
  UNIQUE (endpoint_id, id)
);
CREATE INDEX jobs_queue ON jobs (endpoint_id, status, queue_seq);
CREATE INDEX jobs_lease ON jobs (endpoint_id, worker_id) WHERE status = '${IN_PROGRESS}';
CREATE INDEX jobs_run_deadline ON jobs (run_deadline) WHERE run_deadline IS NOT NULL;
CREATE INDEX jobs_live_deadline ON jobs (live_deadline) WHERE live_deadline IS NOT NULL;
CREATE INDEX jobs_delete_at ON jobs (delete_at) WHERE delete_at IS NOT NULL;

CREATE TABLE job_counts (
  endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL,
  jobs INTEGER NOT NULL,
  retried INTEGER NOT NULL,
  PRIMARY KEY (endpoint_id, status)
) WITHOUT ROWID;
CREATE TRIGGER jobs_counted_on_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO job_counts (endpoint_id, status, jobs, retried) VALUES (new.endpoint_id, new.status, 1, new.retries >= 1)
    ON CONFLICT (endpoint_id, status) DO UPDATE SET jobs = jobs + 1, retried = retried + excluded.retried;
END;
CREATE TRIGGER jobs_counted_on_delete AFTER DELETE ON jobs BEGIN
  UPDATE job_counts SET jobs = jobs - 1, retried = retried - (old.retries >= 1)
    WHERE endpoint_id = old.endpoint_id AND status = old.status;
END;
CREATE TRIGGER jobs_counted_on_update AFTER UPDATE OF status, retries ON jobs
  WHEN old.status IS NOT new.status OR (old.retries >= 1) IS NOT (new.retries >= 1) BEGIN
  UPDATE job_counts SET jobs = jobs - 1, retried = retried - (old.retries >= 1)
    WHERE endpoint_id = old.endpoint_id AND status = old.status;
  INSERT INTO job_counts (endpoint_id, status, jobs, retried) VALUES (new.endpoint_id, new.status, 1, new.retries >= 1)
    ON CONFLICT (endpoint_id, status) DO UPDATE SET jobs = jobs + 1, retried = retried + excluded.retried;
END;

CREATE TABLE job_payloads (
  job_pk INTEGER PRIMARY KEY REFERENCES jobs (pk) ON DELETE CASCADE,
  input TEXT NOT NULL,
  s3_config TEXT
);

CREATE TABLE stream_items (
  job_pk INTEGER NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  item TEXT NOT NULL,
  PRIMARY KEY (job_pk, seq)
);

CREATE TABLE job_stops (
  endpoint_id TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  job_pk INTEGER NOT NULL REFERENCES jobs (pk) ON DELETE CASCADE,
  PRIMARY KEY (endpoint_id, worker_id, job_pk)
) WITHOUT ROWID;
CREATE INDEX job_stops_job ON job_stops (job_pk);

CREATE TABLE webhook_outbox (
  id TEXT PRIMARY KEY,
  endpoint_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  due_at INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (due_at);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

CREATE TABLE workers (
  endpoint_id TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER,
  last_ping_at INTEGER,
  ping_job_ids TEXT NOT NULL,
  version TEXT,
  label TEXT,
  draining INTEGER NOT NULL,
  unhealthy_at INTEGER,
  unhealthy_check TEXT,
  unhealthy_reason TEXT,
  PRIMARY KEY (endpoint_id, worker_id)
) WITHOUT ROWID;
`;

/*
 * Version 2: what the autoscaler reads every second per endpoint (JobStore.queueStats), cheap at any queue size.
 * - `normal_queue_counts` holds, per endpoint, the IN_QUEUE jobs without low_priority, kept by triggers
 *   (low_priority never changes after insert, so only entries into and exits from IN_QUEUE move it);
 * - `jobs_queued_normal` is a partial index over the same jobs by queued_at, so the oldest one is one seek.
 */
const V2 = `
CREATE TABLE normal_queue_counts (
  endpoint_id TEXT PRIMARY KEY,
  jobs INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO normal_queue_counts (endpoint_id, jobs)
  SELECT endpoint_id, count(*) FROM jobs WHERE status = '${IN_QUEUE}' AND low_priority = 0 GROUP BY endpoint_id;
CREATE TRIGGER jobs_normal_queued_on_insert AFTER INSERT ON jobs
  WHEN new.status = '${IN_QUEUE}' AND new.low_priority = 0 BEGIN
  INSERT INTO normal_queue_counts (endpoint_id, jobs) VALUES (new.endpoint_id, 1)
    ON CONFLICT (endpoint_id) DO UPDATE SET jobs = jobs + 1;
END;
CREATE TRIGGER jobs_normal_queued_on_delete AFTER DELETE ON jobs
  WHEN old.status = '${IN_QUEUE}' AND old.low_priority = 0 BEGIN
  UPDATE normal_queue_counts SET jobs = jobs - 1 WHERE endpoint_id = old.endpoint_id;
END;
CREATE TRIGGER jobs_normal_queued_on_update AFTER UPDATE OF status ON jobs
  WHEN new.low_priority = 0 AND (old.status = '${IN_QUEUE}') IS NOT (new.status = '${IN_QUEUE}') BEGIN
  INSERT INTO normal_queue_counts (endpoint_id, jobs)
    VALUES (new.endpoint_id, CASE WHEN new.status = '${IN_QUEUE}' THEN 1 ELSE -1 END)
    ON CONFLICT (endpoint_id) DO UPDATE SET jobs = jobs + excluded.jobs;
END;
CREATE INDEX jobs_queued_normal ON jobs (endpoint_id, queued_at)
  WHERE status = '${IN_QUEUE}' AND low_priority = 0;
`;

/*
 * Version 3: `stream_state` keeps, per job with a stream, the bytes of its undelivered items (the per-job buffer
 * cap) and the highest worker sequence applied during the lease that began at `post_lease` (a job's `started_at`),
 * so a retried job-stream post is applied once. It goes with the job (cascade) and is deleted by retry.
 */
const V3 = `
CREATE TABLE stream_state (
  job_pk INTEGER PRIMARY KEY REFERENCES jobs (pk) ON DELETE CASCADE,
  unread_bytes INTEGER NOT NULL,
  post_lease INTEGER,
  post_seq INTEGER NOT NULL
);
INSERT INTO stream_state (job_pk, unread_bytes, post_lease, post_seq)
  SELECT job_pk, sum(length(CAST(item AS BLOB))), NULL, 0 FROM stream_items GROUP BY job_pk;
`;

/*
 * Version 4: the liveness evidence of each lease (spec §6.8), read by every server sharing the file.
 * - one row per IN_PROGRESS job whose worker has pinged during its lease; `started_at` names the lease, so a
 *   row left from an earlier lease of the same job is recognised and restarted;
 * - rows of leases that ended are deleted at the worker's next ping, with the worker, or with the job.
 */
const V4 = `
CREATE TABLE lease_pings (
  job_pk INTEGER PRIMARY KEY REFERENCES jobs (pk) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  listed INTEGER NOT NULL,
  missed INTEGER NOT NULL,
  lacking INTEGER NOT NULL
);
CREATE INDEX lease_pings_worker ON lease_pings (endpoint_id, worker_id);
`;

/** Migration `i` brings the schema from user_version `i` to `i + 1`. Append only; never edit a shipped step. */
const MIGRATIONS: readonly string[] = [V1, V2, V3, V4];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION; refuses a database written by a newer Sluice. */
export function migrate(db: Database.Database): void {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new SluiceError(
        'ERR_INTERNAL',
        `database schema version ${current} is newer than this Sluice supports (${MIGRATIONS.length})`,
      );
    }
    for (const step of MIGRATIONS.slice(current)) db.exec(step);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  apply.immediate();
}
