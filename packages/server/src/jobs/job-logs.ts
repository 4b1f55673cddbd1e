// Worker log lines, tied to jobs and workers: the launcher hands each line here; lines of one event-loop turn go
// to the log store (store/job-log-store.ts) in one append, and followers on this server are woken at once
// (followers on other servers re-read each second). When a job ends, its log is marked ended behind the lines
// read so far, so followers stop at once with every line its worker wrote before posting the result. Log
// keeping is bookkeeping: a failed append is reported once in the server log and never stops a worker.
import { isTerminal } from '@sluice/protocol';
import type { Logger } from 'pino';
import {
  LOG_RETENTION_MS,
  type JobLogMark,
  type JobLogStore,
  type LogEntry,
  type LogRead,
  type LogRetention,
} from '../store/job-log-store.js';
import type { Published } from './publishing-store.js';
import type { Wakeups } from './wakeups.js';

export const jobLogKey = (endpointId: string, jobId: string) => `l:${endpointId}:job:${jobId}`;
export const workerLogKey = (endpointId: string, workerId: string) => `l:${endpointId}:worker:${workerId}`;

/** Lines buffered at most before an append is forced within the turn. */
const MAX_BUFFERED = 500;

export interface JobLogsOptions {
  store: JobLogStore;
  wakeups: Wakeups;
  log: Logger;
  now(): number;
  /** historyRetention of the endpoint: 0 means history is off, so job lines expire on their own. */
  historyRetention(endpointId: string): number;
}

/** What one endpoint has buffered for the next flush. */
interface Pending {
  lines: LogEntry[];
  marks: JobLogMark[];
}

export class JobLogs {
  private buffer = new Map<string, Pending>();
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(private readonly options: JobLogsOptions) {}

  get store(): JobLogStore {
    return this.options.store;
  }

  add(endpointId: string, entry: LogEntry): void {
    const pending = this.pending(endpointId);
    pending.lines.push(entry);
    if (pending.lines.length >= MAX_BUFFERED) void this.flush();
    else this.scheduleFlush();
  }

  /**
   * Marks a job's log ended when the job enters a terminal state, and open again when it is retried. The marks
   * of one turn go to the store in one call, after the lines buffered with them: a worker writes its last line
   * before it posts the result, and the pipe delivers that line before the post's transition is published, so
   * the line is stored before the mark.
   */
  noteTransition({ job, from }: Published): void {
    if (from === undefined) return;
    const ended = isTerminal(job.status);
    if (ended === isTerminal(from)) return;
    this.pending(job.endpointId).marks.push({ jobId: job.id, ended });
    this.scheduleFlush();
  }

  /** Stores what is buffered, lines then marks; resolves once it is in the store. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batches = [...this.buffer];
    this.buffer = new Map();
    this.flushing = this.flushing.then(async () => {
      for (const [endpointId, { lines, marks }] of batches) {
        if (lines.length > 0) await this.append(endpointId, lines);
        if (marks.length > 0) await this.mark(endpointId, marks);
      }
    });
    return this.flushing;
  }

  /** The worker's output is closed: flushes its lines, marks it ended and ends its followers. */
  async endWorker(endpointId: string, workerId: string, now: number): Promise<void> {
    await this.flush();
    try {
      await this.store.endWorker(endpointId, workerId, now, this.retention(endpointId));
    } catch (err) {
      this.options.log.warn({ err, endpointId, workerId }, 'cannot mark worker log ended');
    }
    this.options.wakeups.notifyAll(workerLogKey(endpointId, workerId));
  }

  readJob(endpointId: string, jobId: string, after?: number): Promise<LogRead> {
    return this.store.readJob(endpointId, jobId, after);
  }

  readWorker(endpointId: string, workerId: string, after?: number): Promise<LogRead> {
    return this.store.readWorker(endpointId, workerId, after);
  }

  retention(endpointId: string): LogRetention {
    const history = this.options.historyRetention(endpointId);
    return history > 0 ? { workerMs: LOG_RETENTION_MS } : { workerMs: LOG_RETENTION_MS, jobMs: LOG_RETENTION_MS };
  }

  private pending(endpointId: string): Pending {
    let pending = this.buffer.get(endpointId);
    if (pending === undefined) {
      pending = { lines: [], marks: [] };
      this.buffer.set(endpointId, pending);
    }
    return pending;
  }

  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async mark(endpointId: string, marks: JobLogMark[]): Promise<void> {
    try {
      await this.store.endJobs(endpointId, marks, this.options.now(), this.retention(endpointId));
    } catch (err) {
      this.options.log.warn({ err, endpointId, jobs: marks.length }, 'cannot mark job logs ended');
      return;
    }
    for (const { jobId } of marks) this.options.wakeups.notifyAll(jobLogKey(endpointId, jobId));
  }

  private async append(endpointId: string, entries: LogEntry[]): Promise<void> {
    try {
      await this.store.append(endpointId, entries, this.retention(endpointId));
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.options.log.warn({ err, endpointId }, 'cannot store worker log lines');
      this.failing = true;
      return;
    }
    const { wakeups } = this.options;
    const keys = new Set<string>();
    for (const entry of entries) {
      keys.add(workerLogKey(endpointId, entry.workerId));
      if (entry.jobId !== undefined) keys.add(jobLogKey(endpointId, entry.jobId));
    }
    for (const key of keys) wakeups.notifyAll(key);
  }
}
