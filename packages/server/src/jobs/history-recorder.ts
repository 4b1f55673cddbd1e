// Writes each job transition into the job history (store/job-history.ts): derives the timeline event from the
// change `announce` reports, sets when the record expires (historyRetention after the job ended), and folds
// the stream appends of one event-loop turn into one write. History is bookkeeping beside the job store: a
// failed write is logged and never fails the request that made the transition.
import { isTerminal, type JobStatus } from '@sluice/protocol';
import type {
  DroppedHistory,
  HistoryWrite,
  JobHistory,
  TimelineEvent,
  WebhookAttemptNote,
} from '../store/job-history.js';
import type { WebhookDelivery } from '../store/job-store.js';
import type { AttemptResult } from './webhooks/webhook-attempt.js';
import type { JobRecord } from '../store/job-record.js';
import type { AnnouncedChange, JobContext } from './job-context.js';

/** The timeline event of a transition from `previous` to `job.status`; undefined for a stream append. */
export function timelineEvent(
  job: JobRecord,
  previous: JobStatus | undefined,
  change: AnnouncedChange,
  now: number,
): TimelineEvent | undefined {
  const at = now;
  const status = job.status;
  if (previous === undefined) return { at: job.createdAt, kind: 'created', status };
  if (isTerminal(status)) {
    if (isTerminal(previous)) return undefined;
    return { at: job.finishedAt ?? at, kind: 'finished', status, ...workerOf(job.workerId) };
  }
  if (status === 'IN_PROGRESS' && previous === 'IN_QUEUE') {
    return { at: job.startedAt ?? at, kind: 'claimed', status, ...workerOf(job.workerId) };
  }
  if (status === 'IN_PROGRESS') return change.streamed ? undefined : { at, kind: 'progress', status };
  if (isTerminal(previous)) return { at: job.queuedAt, kind: 'retried', status };
  // Back in the queue from a worker: a reclaim keeps the lost holder in previousWorkerId (spec §6.4).
  if (job.previousWorkerId !== undefined) {
    return { at: job.queuedAt, kind: 'reclaimed', status, workerId: job.previousWorkerId };
  }
  return { at, kind: 'requeued', status };
}

function workerOf(workerId: string | undefined): { workerId?: string } {
  return workerId === undefined ? {} : { workerId };
}

export class HistoryRecorder {
  /** Stream appends waiting for the end of the turn, per job. */
  private readonly streams = new Map<string, { job: JobRecord; items: number }>();
  private flushScheduled = false;
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly ctx: Pick<JobContext, 'endpoint' | 'now' | 'log'>,
    readonly history: JobHistory,
  ) {}

  /** How long history keeps a finished job of the endpoint; 0: history is off for it. */
  retentionOf(endpointId: string): number {
    return this.ctx.endpoint(endpointId)?.historyRetention ?? 0;
  }

  record(job: JobRecord, previous: JobStatus | undefined, change: AnnouncedChange): void {
    const retention = this.retentionOf(job.endpointId);
    if (retention <= 0) return;
    if (change.streamed && job.status === 'IN_PROGRESS') return this.noteStream(job);
    const event = timelineEvent(job, previous, change, this.ctx.now());
    if (event === undefined && previous !== undefined && isTerminal(previous)) return;
    const write: HistoryWrite = { job, ...(event === undefined ? {} : { event }) };
    if (isTerminal(job.status)) write.expiresAt = (job.finishedAt ?? this.ctx.now()) + retention;
    else if (event?.kind === 'retried') write.expiresAt = null;
    // Stream items counted before this change go first, so counts and timeline stay in order.
    this.flushStream(`${job.endpointId}\n${job.id}`);
    this.send(write);
  }

  /** Adds a webhook attempt to the job's history. */
  noteWebhookAttempt(delivery: WebhookDelivery, attempt: number, result: AttemptResult): void {
    const note: WebhookAttemptNote = { at: this.ctx.now(), attempt, ok: result.kind === 'delivered' };
    if (result.kind === 'delivered') note.status = result.status;
    else note.error = result.reason;
    const done = this.history.noteWebhookAttempt(delivery.endpointId, delivery.jobId, note).catch((err: unknown) => {
      this.ctx.log.warn({ err, jobId: delivery.jobId }, 'job history write failed');
    });
    this.track(done);
  }

  /** Waits for the writes started so far (shutdown, tests). */
  async settle(): Promise<void> {
    this.flushStreams();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Drops expired records (at most `max`); returns them, so their logs can go too. */
  trim(now: number, max: number): Promise<DroppedHistory[]> {
    return this.history.trim(now, max);
  }

  private noteStream(job: JobRecord): void {
    const key = `${job.endpointId}\n${job.id}`;
    const entry = this.streams.get(key);
    this.streams.set(key, { job, items: (entry?.items ?? 0) + 1 });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushStreams());
  }

  private flushStreams(): void {
    this.flushScheduled = false;
    for (const key of [...this.streams.keys()]) this.flushStream(key);
  }

  /** Writes the pending stream count of one job. */
  private flushStream(key: string): void {
    const entry = this.streams.get(key);
    this.streams.delete(key);
    if (entry) this.send({ job: entry.job, streamItems: entry.items });
  }

  private send(write: HistoryWrite): void {
    const done = this.history.write(write).catch((err: unknown) => {
      this.ctx.log.warn({ err, endpointId: write.job.endpointId, jobId: write.job.id }, 'job history write failed');
    });
    this.track(done);
  }

  private track(done: Promise<void>): void {
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
