// The stored shape of a job and its derived wire views. Stores persist JobRecord; routes show StatusObject.
import { JobStatus, type Json, type StatusObject, type WebhookPayload, type WorkerJob } from '@sluice/protocol';

export interface JobRecord {
  id: string;
  endpointId: string;
  status: JobStatus;
  input: Json;
  webhook?: string;
  s3Config?: Record<string, Json>;
  /** Resolved policy (spec §2.4): the submission's value or the endpoint default. */
  executionTimeout: number;
  ttl: number;
  lowPriority: boolean;
  /** Created by `runsync` (shorter retention, spec §2.5). */
  sync: boolean;
  /** Retention in ms after reaching a terminal state. */
  retention: number;
  createdAt: number;
  /** Last entry into IN_QUEUE (submit, retry or requeue); `delayTime` counts from here. */
  queuedAt: number;
  /** Pickup by the current holder. */
  startedAt?: number;
  finishedAt?: number;
  workerId?: string;
  /** Holder before the latest requeue by reclaim: its final post is still accepted (spec §6.4). */
  previousWorkerId?: string;
  /** Absent means "no output key"; a posted `null` is kept as `null`. */
  output?: Json;
  error?: string;
  /** Times the job went back to IN_QUEUE (reclaims and retries). */
  retries: number;
  /** Times the job was requeued because its worker was lost (bounded by maxReclaims). */
  reclaims: number;
  /** At least one job-stream post, or a job-done with isStream=true (spec §4.5). */
  streaming: boolean;
  /** ttl deadline: submit (or retry) + ttl, or moved by `status?ttl=`. */
  ttlDeadline: number;
  /** Set on entering a terminal state: finishedAt + retention. */
  retainUntil?: number;
}

/** What `enqueue` needs; the store assigns nothing but the queue position. */
export type NewJob = Pick<
  JobRecord,
  | 'id'
  | 'endpointId'
  | 'input'
  | 'webhook'
  | 's3Config'
  | 'executionTimeout'
  | 'ttl'
  | 'lowPriority'
  | 'sync'
  | 'retention'
  | 'createdAt'
  | 'ttlDeadline'
>;

/** The record of a job just added to the queue, as a store saves it (`NewJob` plus its initial state). */
export function queuedJobRecord(job: NewJob): JobRecord {
  const record: JobRecord = {
    id: job.id,
    endpointId: job.endpointId,
    status: JobStatus.IN_QUEUE,
    input: job.input,
    executionTimeout: job.executionTimeout,
    ttl: job.ttl,
    lowPriority: job.lowPriority,
    sync: job.sync,
    retention: job.retention,
    createdAt: job.createdAt,
    queuedAt: job.createdAt,
    retries: 0,
    reclaims: 0,
    streaming: false,
    ttlDeadline: job.ttlDeadline,
  };
  if (job.webhook !== undefined) record.webhook = job.webhook;
  if (job.s3Config !== undefined) record.s3Config = job.s3Config;
  return record;
}

function definedEntries<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The status object of spec §2.2, with inapplicable fields omitted. `now` feeds a running `executionTime`. */
export function toStatusObject(job: JobRecord, now: number): StatusObject {
  const leftQueueAt = job.startedAt ?? (job.status === 'IN_QUEUE' ? undefined : job.finishedAt);
  const status: StatusObject = definedEntries({
    id: job.id,
    status: job.status,
    delayTime: leftQueueAt === undefined ? undefined : Math.max(0, leftQueueAt - job.queuedAt),
    executionTime: job.startedAt === undefined ? undefined : Math.max(0, (job.finishedAt ?? now) - job.startedAt),
    workerId: job.workerId,
    retries: job.retries >= 1 ? job.retries : undefined,
    error: job.error,
  });
  if (job.output !== undefined) status.output = job.output;
  return status;
}

export function toWorkerJob(job: JobRecord): WorkerJob {
  const out: WorkerJob = { id: job.id, input: job.input };
  if (job.s3Config !== undefined) out.s3Config = job.s3Config;
  return out;
}

export function toWebhookPayload(job: JobRecord, now: number): WebhookPayload | undefined {
  if (job.webhook === undefined) return undefined;
  return { ...toStatusObject(job, now), input: job.input, webhook: job.webhook };
}
