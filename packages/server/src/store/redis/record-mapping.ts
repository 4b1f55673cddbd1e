// Mapping between Redis hashes and the contract's records, and script arguments.
// Job hashes hold JobRecord fields under the same names: numbers in decimal, booleans as '1'/'0', JSON values
// (input, s3Config, output) as JSON text; an absent field is an absent property (a posted null is 'null').
// They also hold the scripts' own bookkeeping (seq: queue position, streamTaken: stream items handed out),
// which is no JobRecord field: hashToJob reads JobRecord fields by name and so leaves those out.
import { JobStatus, type Json } from '@sluice/protocol';
import { toWebhookPayload, type JobRecord } from '../job-record.js';
import type { NewJob, PostOutcome } from '../job-store.js';
import type { WorkerRecord, WorkerUpdate } from '../worker-registry.js';
import type { WebhookDelivery } from '../webhook-outbox.js';

export type Hash = Record<string, string>;

/** A flat [field, value, field, value...] reply as an object. */
export function toHash(flat: unknown): Hash {
  const hash: Hash = {};
  if (!Array.isArray(flat)) return hash;
  for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  return hash;
}

/** Field, value pairs of a new job's hash (the script adds its queue position). */
export function newJobFields(job: NewJob): string[] {
  const fields: Record<string, string | undefined> = {
    id: job.id,
    endpointId: job.endpointId,
    status: JobStatus.IN_QUEUE,
    input: JSON.stringify(job.input),
    s3Config: job.s3Config === undefined ? undefined : JSON.stringify(job.s3Config),
    webhook: job.webhook,
    executionTimeout: String(job.executionTimeout),
    ttl: String(job.ttl),
    lowPriority: job.lowPriority ? '1' : '0',
    sync: job.sync ? '1' : '0',
    retention: String(job.retention),
    createdAt: String(job.createdAt),
    queuedAt: String(job.createdAt),
    retries: '0',
    reclaims: '0',
    streaming: '0',
    ttlDeadline: String(job.ttlDeadline),
  };
  return Object.entries(fields).flatMap(([field, value]) => (value === undefined ? [] : [field, value]));
}

const num = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
const json = (value: string | undefined): Json | undefined =>
  value === undefined ? undefined : (JSON.parse(value) as Json);

export function hashToJob(h: Hash): JobRecord {
  const job: JobRecord = {
    id: h['id'] ?? '',
    endpointId: h['endpointId'] ?? '',
    status: h['status'] as JobStatus,
    input: json(h['input']) ?? null,
    executionTimeout: Number(h['executionTimeout']),
    ttl: Number(h['ttl']),
    lowPriority: h['lowPriority'] === '1',
    sync: h['sync'] === '1',
    retention: Number(h['retention']),
    createdAt: Number(h['createdAt']),
    queuedAt: Number(h['queuedAt']),
    retries: Number(h['retries']),
    reclaims: Number(h['reclaims']),
    streaming: h['streaming'] === '1',
    ttlDeadline: Number(h['ttlDeadline']),
  };
  const optional: Partial<JobRecord> = {
    webhook: h['webhook'],
    s3Config: json(h['s3Config']) as Record<string, Json> | undefined,
    startedAt: num(h['startedAt']),
    finishedAt: num(h['finishedAt']),
    workerId: h['workerId'],
    previousWorkerId: h['previousWorkerId'],
    output: json(h['output']),
    error: h['error'],
    retainUntil: num(h['retainUntil']),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (job as unknown as Record<string, unknown>)[key] = value;
  }
  return job;
}

/** A job from a script reply: its flat hash. */
export function replyToJob(flat: unknown): JobRecord {
  return hashToJob(toHash(flat));
}

/** A delivery from its snapshot: the payload is built from the job as it was at `~at`, the same on every attempt. */
export function hashToDelivery(id: string, h: Hash): WebhookDelivery {
  const job = hashToJob(h);
  const payload = toWebhookPayload(job, Number(h['~at']));
  return {
    id,
    endpointId: job.endpointId,
    jobId: job.id,
    url: job.webhook ?? '',
    body: JSON.stringify(payload),
    attempts: Number(h['~attempts'] ?? 0),
  };
}

export function hashToWorker(endpointId: string, workerId: string, h: Hash, inFlight: number): WorkerRecord {
  const worker: WorkerRecord = {
    endpointId,
    workerId,
    firstSeenAt: Number(h['firstSeenAt']),
    pingJobIds: h['pingJobIds'] === undefined ? [] : (JSON.parse(h['pingJobIds']) as string[]),
    draining: h['draining'] === '1',
    inFlight,
  };
  const optional: Partial<WorkerRecord> = {
    lastSeenAt: num(h['lastSeenAt']),
    lastPingAt: num(h['lastPingAt']),
    version: h['version'],
    label: h['label'],
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (worker as unknown as Record<string, unknown>)[key] = value;
  }
  if (h['unhealthyAt'] !== undefined) {
    worker.unhealthy = { at: Number(h['unhealthyAt']) };
    if (h['unhealthyCheck'] !== undefined) worker.unhealthy.check = h['unhealthyCheck'];
    if (h['unhealthyReason'] !== undefined) worker.unhealthy.reason = h['unhealthyReason'];
  }
  return worker;
}

/** The hash changes of a worker update at `now`: fields to set and fields to delete (as SQLite nulls them). */
export function workerChanges(update: WorkerUpdate, now: number): { set: string[]; del: string[] } {
  const set: [string, string][] = [];
  const del: string[] = [];
  const at = String(now);
  if (update.seen === true) set.push(['lastSeenAt', at]);
  if (update.ping !== undefined) {
    set.push(['lastPingAt', at], ['pingJobIds', JSON.stringify(update.ping.jobIds)]);
    if (update.ping.version !== undefined) set.push(['version', update.ping.version]);
  }
  if (update.label !== undefined) set.push(['label', update.label]);
  if (update.draining !== undefined) set.push(['draining', update.draining ? '1' : '0']);
  if (update.unhealthy !== undefined) {
    set.push(['unhealthyAt', at]);
    for (const [field, value] of [
      ['unhealthyCheck', update.unhealthy.check],
      ['unhealthyReason', update.unhealthy.reason],
    ] as const) {
      if (value === undefined) del.push(field);
      else set.push([field, value]);
    }
  }
  return { set: set.flat(), del };
}

/** ARGV for a value that may be absent: '1' and its JSON, or '0' and ''. */
export function optionalJson(value: Json | undefined): [string, string] {
  return value === undefined ? ['0', ''] : ['1', JSON.stringify(value)];
}

/** A worker post's outcome from a script reply: {'applied'|'ignored', job} or {'not-found'}. */
export function replyToOutcome(reply: unknown): PostOutcome {
  const [kind, flat] = reply as [string, unknown];
  if (kind === 'not-found') return { kind: 'not-found' };
  const known = kind === 'applied' || kind === 'duplicate' || kind === 'buffer-full' ? kind : 'ignored';
  return { kind: known, job: replyToJob(flat) };
}
