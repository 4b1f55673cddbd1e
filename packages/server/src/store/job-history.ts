// The job history contract: what an operator can still find about a job after RunPod's retention has deleted it
// (issue 14). A record is written by the job services after each transition (jobs/history-recorder.ts), listed
// through an index (never a scan of all jobs) and dropped `historyRetention` after the job ended.
// Guarantees every implementation gives (checked by store/testing/conformance-history.ts):
// - `list` is newest first by (createdAt, id), served by an index per status: a page costs O(log n + limit);
// - a cursor names a position, not an offset: records added meanwhile never repeat or shift a later page;
// - `write` applies its changes in order, each one atomic: the summary, the index entries and the timeline of a
//   job move together. The recorder hands it every change of one event-loop turn at once.
import type { Json, JobStatus } from '@sluice/protocol';
import type { JobRecord } from './job-record.js';

/** One entry of a job's timeline. */
export interface TimelineEvent {
  at: number;
  kind: 'created' | 'claimed' | 'requeued' | 'reclaimed' | 'progress' | 'retried' | 'finished';
  /** The status the job entered (for `progress`, still IN_PROGRESS). */
  status: JobStatus;
  workerId?: string;
}

/** One webhook delivery attempt, as the sender saw it. */
export interface WebhookAttemptNote {
  at: number;
  attempt: number;
  /** HTTP status, when the target answered. */
  status?: number;
  ok: boolean;
  error?: string;
}

/** A job as history lists it: the record without its bodies. */
export type HistoryJob = Omit<JobRecord, 'input' | 'output'>;

/** The whole history of one job. */
export interface HistoryRecord {
  job: HistoryJob;
  /** Absent when the body was larger than HISTORY_BODY_MAX_BYTES (see `bodyBytes`). */
  input?: Json;
  output?: Json;
  /** Sizes of bodies history did not keep, in bytes of JSON text. */
  droppedBodies?: { input?: number; output?: number };
  /** Oldest first; at most HISTORY_TIMELINE_MAX events, the oldest dropped first (counted in `timelineDropped`). */
  timeline: TimelineEvent[];
  timelineDropped: number;
  streamItems: number;
  webhookAttempts: WebhookAttemptNote[];
  /** When the record will be dropped; absent while the job is live. */
  expiresAt?: number;
}

/** One change to a job's history; everything but `job` is optional. */
export interface HistoryWrite {
  /** The job as it is after the change (its bodies included). */
  job: JobRecord;
  event?: TimelineEvent;
  /** Stream items appended by this change. */
  streamItems?: number;
  /** Drop the record at this time; null: keep it (a retried job is live again). Absent: unchanged. */
  expiresAt?: number | null;
}

export interface HistoryQuery {
  /** Any of these statuses; absent or empty: all. */
  statuses?: JobStatus[];
  /** createdAt >= since. */
  since?: number;
  /** createdAt < until. */
  until?: number;
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface HistoryPage {
  jobs: HistoryJob[];
  nextCursor: string | null;
}

/** A job whose history `trim` dropped (its logs go with it). */
export interface DroppedHistory {
  endpointId: string;
  id: string;
}

/** Bodies larger than this (JSON text) are not copied into history: their size is kept instead. */
export const HISTORY_BODY_MAX_BYTES = 64 * 1024;
/** Timeline events kept per job (progress updates can be many). */
export const HISTORY_TIMELINE_MAX = 200;
/** Webhook attempts kept per job. */
export const HISTORY_WEBHOOK_ATTEMPTS_MAX = 20;

export interface JobHistory {
  /** Creates or updates the records of the changes' jobs, in order, each change one atomic step. */
  write(changes: readonly HistoryWrite[]): Promise<void>;
  /** Adds a webhook attempt to the job's record; nothing when history has no record of the job. */
  noteWebhookAttempt(endpointId: string, id: string, note: WebhookAttemptNote): Promise<void>;
  list(endpointId: string, query: HistoryQuery): Promise<HistoryPage>;
  get(endpointId: string, id: string): Promise<HistoryRecord | undefined>;
  /** Drops records whose `expiresAt` <= now, at most `max` per call; returns them. */
  trim(now: number, max: number): Promise<DroppedHistory[]>;
  /** Idempotent; later calls reject with ERR_UNAVAILABLE. */
  close(): Promise<void>;
}
