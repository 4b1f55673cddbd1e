// Building blocks of the job transitions, used inside the store's transactions: load and save a job row,
// take a queue position, and enter a terminal state with its side effects (job-stop, webhook outbox row).
import { randomUUID } from 'node:crypto';
import { JobEvent, JobStatus, nextStatus } from '@sluice/protocol';
import { toWebhookPayload, type JobRecord } from '../job-record.js';
import { rowToJob, type JobRow } from './row-mapping.js';
import type { Statements } from './statements.js';

export function loadJob(st: Statements, endpointId: string, id: string): JobRow | undefined {
  return st.job.get(endpointId, id);
}

export function saveJob(st: Statements, row: JobRow): void {
  st.saveJob.run(row);
}

/** The job is IN_PROGRESS and leased to `workerId`: the normal acceptance rule of worker posts (spec §6.4). */
export function isLeasedTo(row: JobRow, workerId: string): boolean {
  return row.status === JobStatus.IN_PROGRESS && row.worker_id === workerId;
}

/** A queue position behind every job ever queued (submissions and retries). */
export function tailSeq(st: Statements): number {
  const seq = st.nextTailSeq.get();
  if (seq === undefined) throw new Error('store_counters has no queue_seq row');
  return seq;
}

/** A queue position in front of every job now queued on the endpoint (requeues). */
export function headSeq(st: Statements, endpointId: string): number {
  const lowest = st.headSeq.get(endpointId);
  return lowest === undefined ? tailSeq(st) : lowest - 1;
}

/**
 * Puts leased rows back into IN_QUEUE at the head of their endpoint's queue, keeping their relative order
 * (the earliest queued ends up first), and saves them. `apply` makes the per-row changes (retries, holder).
 */
export function requeueAtHead(st: Statements, rows: JobRow[], apply: (row: JobRow) => void): JobRecord[] {
  const requeued: JobRecord[] = [];
  for (const row of [...rows].sort((a, b) => b.queue_seq - a.queue_seq)) {
    const to = nextStatus(row.status, JobEvent.REQUEUE);
    if (to === undefined) continue;
    apply(row);
    Object.assign(row, { status: to, queue_seq: headSeq(st, row.endpoint_id), worker_id: null, started_at: null });
    saveJob(st, row);
    requeued.unshift(rowToJob(row));
  }
  return requeued;
}

export interface TerminalEntry {
  status: JobStatus;
  /** Stored as the job's error; undefined leaves none. */
  error?: string;
  /** Queue a job-stop for this worker (cancel or timeout of a running job, or an invalid post). */
  stopWorker?: string | null;
}

/**
 * Moves `row` into a terminal state at `now` and saves it, in the caller's transaction: sets finishedAt and
 * retainUntil, queues the job-stop, and adds the webhook outbox row when the job has a webhook.
 */
export function enterTerminal(st: Statements, row: JobRow, entry: TerminalEntry, now: number): JobRecord {
  row.status = entry.status;
  row.error = entry.error ?? null;
  row.finished_at = now;
  row.retain_until = now + row.retention;
  saveJob(st, row);
  if (entry.stopWorker) st.insertStop.run(row.endpoint_id, entry.stopWorker, row.pk);
  const job = rowToJob(row);
  const payload = toWebhookPayload(job, now);
  if (payload !== undefined) {
    st.insertWebhook.run(randomUUID(), job.endpointId, job.id, payload.webhook, JSON.stringify(payload), now);
  }
  return job;
}
