// The job state machine of spec §2.3: every state, which are terminal, and which moves are allowed.
// This is the one place these rules live; stores and services ask here.

export const JobStatus = {
  IN_QUEUE: 'IN_QUEUE',
  IN_PROGRESS: 'IN_PROGRESS',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
  TIMED_OUT: 'TIMED_OUT',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

export const TERMINAL_STATUSES: readonly JobStatus[] = [
  JobStatus.COMPLETED,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
  JobStatus.TIMED_OUT,
];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && Object.hasOwn(JobStatus, value);
}

/** Events that move a job, named after the spec §2.3 rows they stand for. */
export const JobEvent = {
  /** row 2: handed to a worker by job-take(-batch) */
  CLAIM: 'claim',
  /** rows 5, 6: final job-done */
  COMPLETE: 'complete',
  FAIL: 'fail',
  /** rows 8, 9, 10: cancel or purge-queue */
  CANCEL: 'cancel',
  /** rows 11, 12: executionTimeout or ttl */
  TIME_OUT: 'time-out',
  /** row 13: reclaimed from a lost worker, or a take answer that could not be written */
  REQUEUE: 'requeue',
  /** row 15: client retry */
  RETRY: 'retry',
} as const;
export type JobEvent = (typeof JobEvent)[keyof typeof JobEvent];

const TRANSITIONS: Readonly<Record<JobEvent, Readonly<Partial<Record<JobStatus, JobStatus>>>>> = {
  [JobEvent.CLAIM]: { IN_QUEUE: 'IN_PROGRESS' },
  [JobEvent.COMPLETE]: { IN_PROGRESS: 'COMPLETED' },
  [JobEvent.FAIL]: { IN_PROGRESS: 'FAILED' },
  [JobEvent.CANCEL]: { IN_QUEUE: 'CANCELLED', IN_PROGRESS: 'CANCELLED' },
  [JobEvent.TIME_OUT]: { IN_QUEUE: 'TIMED_OUT', IN_PROGRESS: 'TIMED_OUT' },
  [JobEvent.REQUEUE]: { IN_PROGRESS: 'IN_QUEUE' },
  [JobEvent.RETRY]: { FAILED: 'IN_QUEUE', TIMED_OUT: 'IN_QUEUE' },
};

/** The state `event` moves a job in `from` to, or `undefined` when the event does not apply. */
export function nextStatus(from: JobStatus, event: JobEvent): JobStatus | undefined {
  return TRANSITIONS[event][from];
}

/** The states from which `event` applies (for stores that filter in SQL or Lua). */
export function statusesAllowing(event: JobEvent): JobStatus[] {
  return Object.keys(TRANSITIONS[event]) as JobStatus[];
}

/** Python truthiness of a JSON value, as runpod-python judges `error` (spec §2.7). */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
