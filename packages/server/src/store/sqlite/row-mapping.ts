// Row shapes of the SQLite job store and their mapping to and from the contract's records.
// JSON values are stored as JSON text; SQL NULL means "absent", so a posted `null` output is the text 'null'.
import type { Json, JobStatus } from '@sluice/protocol';
import type { JobRecord } from '../job-record.js';
import type { NewJob } from '../job-store.js';
import type { WorkerRecord } from '../worker-registry.js';
import type { WebhookDelivery } from '../webhook-outbox.js';

/** A `jobs` row joined with its `job_payloads` row. Transitions mutate the state columns, then save them. */
export interface JobRow {
  pk: number;
  endpoint_id: string;
  id: string;
  status: JobStatus;
  input: string;
  s3_config: string | null;
  webhook: string | null;
  execution_timeout: number;
  ttl: number;
  low_priority: number;
  sync: number;
  retention: number;
  created_at: number;
  queued_at: number;
  started_at: number | null;
  finished_at: number | null;
  worker_id: string | null;
  previous_worker_id: string | null;
  output: string | null;
  error: string | null;
  retries: number;
  reclaims: number;
  streaming: number;
  ttl_deadline: number;
  retain_until: number | null;
  queue_seq: number;
  stream_cursor: number;
}

/** The state columns a transition may change (the parameters of the save statement). */
export type JobStateRow = Omit<
  JobRow,
  | 'endpoint_id'
  | 'id'
  | 'input'
  | 's3_config'
  | 'webhook'
  | 'execution_timeout'
  | 'ttl'
  | 'low_priority'
  | 'sync'
  | 'retention'
  | 'created_at'
>;

export interface WorkerRow {
  endpoint_id: string;
  worker_id: string;
  first_seen_at: number;
  last_seen_at: number | null;
  last_ping_at: number | null;
  ping_job_ids: string;
  version: string | null;
  label: string | null;
  draining: number;
  unhealthy_at: number | null;
  unhealthy_check: string | null;
  unhealthy_reason: string | null;
  in_flight: number;
}

export interface WebhookRow {
  id: string;
  endpoint_id: string;
  job_id: string;
  url: string;
  body: string;
  attempts: number;
}

/** JSON text for a stored value; `undefined` (an absent key) becomes SQL NULL. */
export function jsonText(value: Json | undefined): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parseJson(text: string): Json {
  return JSON.parse(text) as Json;
}

export function rowToJob(row: JobRow): JobRecord {
  const job: JobRecord = {
    id: row.id,
    endpointId: row.endpoint_id,
    status: row.status,
    input: parseJson(row.input),
    executionTimeout: row.execution_timeout,
    ttl: row.ttl,
    lowPriority: row.low_priority !== 0,
    sync: row.sync !== 0,
    retention: row.retention,
    createdAt: row.created_at,
    queuedAt: row.queued_at,
    retries: row.retries,
    reclaims: row.reclaims,
    streaming: row.streaming !== 0,
    ttlDeadline: row.ttl_deadline,
  };
  if (row.webhook !== null) job.webhook = row.webhook;
  if (row.s3_config !== null) job.s3Config = parseJson(row.s3_config) as Record<string, Json>;
  if (row.started_at !== null) job.startedAt = row.started_at;
  if (row.finished_at !== null) job.finishedAt = row.finished_at;
  if (row.worker_id !== null) job.workerId = row.worker_id;
  if (row.previous_worker_id !== null) job.previousWorkerId = row.previous_worker_id;
  if (row.output !== null) job.output = parseJson(row.output);
  if (row.error !== null) job.error = row.error;
  if (row.retain_until !== null) job.retainUntil = row.retain_until;
  return job;
}

/** Parameters of the insert statement for a new job; it enters the queue at `queueSeq`. */
export function newJobParams(job: NewJob, queueSeq: number) {
  return {
    endpoint_id: job.endpointId,
    id: job.id,
    webhook: job.webhook ?? null,
    execution_timeout: job.executionTimeout,
    ttl: job.ttl,
    low_priority: job.lowPriority ? 1 : 0,
    sync: job.sync ? 1 : 0,
    retention: job.retention,
    created_at: job.createdAt,
    ttl_deadline: job.ttlDeadline,
    queue_seq: queueSeq,
  };
}

export function rowToWorker(row: WorkerRow): WorkerRecord {
  const worker: WorkerRecord = {
    endpointId: row.endpoint_id,
    workerId: row.worker_id,
    firstSeenAt: row.first_seen_at,
    pingJobIds: JSON.parse(row.ping_job_ids) as string[],
    draining: row.draining !== 0,
    inFlight: row.in_flight,
  };
  if (row.last_seen_at !== null) worker.lastSeenAt = row.last_seen_at;
  if (row.last_ping_at !== null) worker.lastPingAt = row.last_ping_at;
  if (row.version !== null) worker.version = row.version;
  if (row.label !== null) worker.label = row.label;
  if (row.unhealthy_at !== null) {
    worker.unhealthy = { at: row.unhealthy_at };
    if (row.unhealthy_check !== null) worker.unhealthy.check = row.unhealthy_check;
    if (row.unhealthy_reason !== null) worker.unhealthy.reason = row.unhealthy_reason;
  }
  return worker;
}

export function rowToDelivery(row: WebhookRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    jobId: row.job_id,
    url: row.url,
    body: row.body,
    attempts: row.attempts,
  };
}
