// The admin API's views of a job: the summary of a history page and the whole record, built from the live job
// (while RunPod's retention keeps it) and its history (timeline, webhook attempts, stream count).
import type { Json, StatusObject } from '@sluice/protocol';
import type { HistoryJob, HistoryRecord } from '../../store/job-history.js';
import { toStatusObject, type JobRecord } from '../../store/job-record.js';

/** Longest `error` of a summary. */
export const SUMMARY_ERROR_CHARS = 500;

export interface JobSummary {
  id: string;
  status: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  delayTime: number | null;
  executionTime: number | null;
  workerId: string | null;
  retries: number;
  error: string | null;
}

function statusOf(job: HistoryJob, now: number): StatusObject {
  return toStatusObject({ ...job, input: null }, now);
}

export function toJobSummary(job: HistoryJob, now: number): JobSummary {
  const status = statusOf(job, now);
  return {
    id: job.id,
    status: job.status,
    createdAt: job.createdAt,
    startedAt: job.startedAt ?? null,
    finishedAt: job.finishedAt ?? null,
    delayTime: status.delayTime ?? null,
    executionTime: status.executionTime ?? null,
    workerId: job.workerId ?? null,
    retries: job.retries,
    error: job.error === undefined ? null : job.error.slice(0, SUMMARY_ERROR_CHARS),
  };
}

export interface JobDetail {
  /** The status object of spec §2.2 (output included when there is one). */
  status: StatusObject;
  createdAt: number;
  input: Json | null;
  /** Bodies too large for history, by size in bytes. */
  droppedBodies?: { input?: number; output?: number };
  policy: { executionTimeout: number; ttl: number; lowPriority: boolean };
  sync: boolean;
  webhook: { url: string; attempts: HistoryRecord['webhookAttempts'] } | null;
  timeline: HistoryRecord['timeline'];
  timelineDropped: number;
  /** Stream items appended; null when history was off for the job. */
  streamItems: number | null;
  /** True while the public routes still answer for the job. */
  live: boolean;
  /** When the public routes stop answering (retention); absent while the job runs. */
  retainUntil?: number;
  /** When history drops the record. */
  historyExpiresAt?: number;
}

export function toJobDetail(live: JobRecord | undefined, history: HistoryRecord | undefined, now: number): JobDetail {
  const job: HistoryJob = live ?? (history as HistoryRecord).job;
  const status = live ? toStatusObject(live, now) : statusOf(job, now);
  if (!live && history?.output !== undefined) status.output = history.output;
  const detail: JobDetail = {
    status,
    createdAt: job.createdAt,
    input: live ? live.input : (history?.input ?? null),
    policy: { executionTimeout: job.executionTimeout, ttl: job.ttl, lowPriority: job.lowPriority },
    sync: job.sync,
    webhook: job.webhook === undefined ? null : { url: job.webhook, attempts: history?.webhookAttempts ?? [] },
    timeline: history?.timeline ?? [],
    timelineDropped: history?.timelineDropped ?? 0,
    streamItems: history ? history.streamItems : null,
    live: live !== undefined,
  };
  if (!live && history?.droppedBodies) detail.droppedBodies = history.droppedBodies;
  if (live?.retainUntil !== undefined) detail.retainUntil = live.retainUntil;
  if (history?.expiresAt !== undefined) detail.historyExpiresAt = history.expiresAt;
  return detail;
}
