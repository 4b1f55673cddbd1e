// The job log contract: lines written by workers, kept per job and per worker in the store (so every server
// sharing it sees them and they survive a restart), with caps so a chatty worker cannot fill it (issue 14).
// Guarantees every implementation gives (checked by store/testing/conformance-logs.ts):
// - a job keeps its last LOG_JOB_MAX_LINES lines or LOG_JOB_MAX_BYTES of messages, whichever is reached first;
//   a worker its last LOG_WORKER_MAX_LINES; `truncated` says older lines were dropped;
// - every line has a `seq`, increasing in append order within an endpoint: followers read `after` a seq;
// - `append` is atomic per call;
// - a job's log says when the job ended (`endJobs`), so a follower on any server sharing the store stops at once
//   instead of waiting for a quiet period; a retried job's log is open again.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  time: number;
  level: LogLevel;
  workerId: string;
  jobId?: string;
  message: string;
}

export interface StoredLogEntry extends LogEntry {
  seq: number;
}

export interface LogRead {
  /** Oldest first, every line with seq > `after`. */
  lines: StoredLogEntry[];
  /** Lines of this job or worker were dropped by the caps. */
  truncated: boolean;
  /**
   * No more lines are expected: for a worker, it has exited and its output is closed (`endWorker`); for a job, it
   * reached a terminal state and the lines its worker wrote before that are stored (`endJobs`).
   */
  ended: boolean;
}

export interface LogRetention {
  /** A worker's lines are dropped this long after its last line. */
  workerMs: number;
  /** A job's lines likewise; undefined: kept until `dropJobs` (they go with the job's history). */
  jobMs?: number;
}

/** A job's log ended, or open again. */
export interface JobLogMark {
  jobId: string;
  ended: boolean;
}

export const LOG_JOB_MAX_LINES = 1000;
export const LOG_JOB_MAX_BYTES = 256 * 1024;
export const LOG_WORKER_MAX_LINES = 1000;
/** A worker's lines outlive it this long (and, with history off, a job's lines their last line). */
export const LOG_RETENTION_MS = 24 * 3_600_000;

export interface JobLogStore {
  /** Adds lines (each to its worker, and to its job when it has one), applying the caps. */
  append(endpointId: string, entries: LogEntry[], retention: LogRetention): Promise<void>;
  readJob(endpointId: string, jobId: string, after?: number): Promise<LogRead>;
  readWorker(endpointId: string, workerId: string, after?: number): Promise<LogRead>;
  /** Marks the worker's output as closed (it exited): followers of its log stop. */
  endWorker(endpointId: string, workerId: string, now: number, retention: LogRetention): Promise<void>;
  /**
   * Marks each job's log ended (it reached a terminal state) or, with `ended` false, open again (it was retried),
   * in order. Lines may still be appended after the mark; followers have stopped by then.
   */
  endJobs(endpointId: string, marks: JobLogMark[], now: number, retention: LogRetention): Promise<void>;
  /** Drops the lines of these jobs (their history was dropped). */
  dropJobs(endpointId: string, jobIds: string[]): Promise<void>;
  /** Drops lines past their retention. */
  trim(now: number): Promise<void>;
  close(): Promise<void>;
}
