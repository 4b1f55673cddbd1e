// Writes each job transition into the job history (store/job-history.ts): derives the timeline event from each
// transition PublishingStore publishes, sets when the record expires (historyRetention after the job ended), and
// writes the changes of one event-loop turn as one batch. Stream appends of a job are folded into one count,
// written with the job's next change, a read, or within a second. History is bookkeeping beside the job store: a
// failed write is logged and never fails the request that made the transition, and a crash loses at most the
// last turn's changes (and up to a second of stream counts); the job's next transition rewrites its state.
import { isTerminal, type JobStatus } from '@sluice/protocol';
import type {
  DroppedHistory,
  HistoryPage,
  HistoryQuery,
  HistoryRecord,
  HistoryWrite,
  JobHistory,
  TimelineEvent,
  WebhookAttemptNote,
} from '../store/job-history.js';
import type { WebhookDelivery } from '../store/webhook-outbox.js';
import type { AttemptResult } from './webhooks/webhook-attempt.js';
import type { JobRecord } from '../store/job-record.js';
import type { JobContext } from './job-context.js';
import type { Published } from './publishing-store.js';

/** The timeline event of a transition from `previous` to `job.status`; undefined for a stream append. */
export function timelineEvent(
  job: JobRecord,
  previous: JobStatus | undefined,
  change: Pick<Published, 'streamed'>,
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

/** Writes of one batch at most: bounds how long one history commit holds the event loop. */
const MAX_BATCH = 512;

/**
 * How long the stream count of a running job may wait for its write. A generator yielding every few milliseconds
 * would otherwise cost a history commit per item (12 % of the server's CPU per streamed item in the profile);
 * the job's next transition and every read through this recorder write it at once, so only a crash can lose it.
 */
const STREAM_COUNT_DELAY_MS = 1000;

export class HistoryRecorder {
  /** Changes waiting for the end of the turn, in the order they happened. */
  private queued: HistoryWrite[] = [];
  /** Stream appends waiting for their write (STREAM_COUNT_DELAY_MS at most), per job, folded into one count. */
  private readonly streams = new Map<string, { job: JobRecord; items: number }>();
  private flushScheduled = false;
  private streamTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly ctx: Pick<JobContext, 'endpoint' | 'now' | 'log'>,
    private readonly history: JobHistory,
    private readonly streamCountDelayMs = STREAM_COUNT_DELAY_MS,
  ) {}

  /** How long history keeps a finished job of the endpoint; 0: history is off for it. */
  retentionOf(endpointId: string): number {
    return this.ctx.endpoint(endpointId)?.historyRetention ?? 0;
  }

  /**
   * Queues the transition's history change. Every change of one event-loop turn goes to the store in one write
   * (one commit on SQLite): a commit per transition halved `/run` throughput. Reads through this recorder first
   * write what is queued, so a job is listed as soon as the request that made it has been answered.
   */
  record(change: Published): void {
    const { job, from: previous } = change;
    const retention = this.retentionOf(job.endpointId);
    if (retention <= 0) return;
    if (change.streamed && job.status === 'IN_PROGRESS') return this.noteStream(job);
    const event = timelineEvent(job, previous, change, this.ctx.now());
    if (event === undefined && previous !== undefined && isTerminal(previous)) return;
    const write: HistoryWrite = { job, ...(event === undefined ? {} : { event }) };
    if (isTerminal(job.status)) write.expiresAt = (job.finishedAt ?? this.ctx.now()) + retention;
    else if (event?.kind === 'retried') write.expiresAt = null;
    // Stream items counted before this change go first, so counts and timeline stay in order.
    this.queueStream(`${job.endpointId}\n${job.id}`);
    this.queued.push(write);
    this.scheduleFlush();
  }

  /** Adds a webhook attempt to the job's history. */
  noteWebhookAttempt(delivery: WebhookDelivery, attempt: number, result: AttemptResult): void {
    const note: WebhookAttemptNote = { at: this.ctx.now(), attempt, ok: result.kind === 'delivered' };
    if (result.kind === 'delivered') note.status = result.status;
    else note.error = result.reason;
    // The job's own changes go first: the note is added to a record that exists.
    this.flush();
    const done = this.history.noteWebhookAttempt(delivery.endpointId, delivery.jobId, note).catch((err: unknown) => {
      this.ctx.log.warn({ err, jobId: delivery.jobId }, 'job history write failed');
    });
    this.track(done);
  }

  /** One page of the endpoint's history, every change recorded so far included. */
  async list(endpointId: string, query: HistoryQuery): Promise<HistoryPage> {
    await this.caughtUp();
    return this.history.list(endpointId, query);
  }

  /** The job's whole history record, every change recorded so far included. */
  async get(endpointId: string, id: string): Promise<HistoryRecord | undefined> {
    await this.caughtUp();
    return this.history.get(endpointId, id);
  }

  /** Waits for the writes started so far (shutdown, tests). */
  async settle(): Promise<void> {
    this.flush();
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Drops expired records (at most `max`); returns them, so their logs can go too. */
  trim(now: number, max: number): Promise<DroppedHistory[]> {
    return this.history.trim(now, max);
  }

  /** Writes what is queued and waits for the writes started before this call, not for later ones. */
  private async caughtUp(): Promise<void> {
    this.flush();
    await Promise.all([...this.pending]);
  }

  private noteStream(job: JobRecord): void {
    const key = `${job.endpointId}\n${job.id}`;
    const entry = this.streams.get(key);
    this.streams.set(key, { job, items: (entry?.items ?? 0) + 1 });
    this.streamTimer ??= setTimeout(() => this.flush(), this.streamCountDelayMs).unref();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: the transitions of every request parsed in this poll phase join the batch.
    setImmediate(() => this.flush());
  }

  /** Sends everything queued, in batches of at most MAX_BATCH writes. */
  private flush(): void {
    this.flushScheduled = false;
    clearTimeout(this.streamTimer);
    this.streamTimer = undefined;
    for (const key of [...this.streams.keys()]) this.queueStream(key);
    while (this.queued.length > 0) this.send(this.queued.splice(0, MAX_BATCH));
  }

  /** Moves the pending stream count of one job into the queue. */
  private queueStream(key: string): void {
    const entry = this.streams.get(key);
    if (entry === undefined) return;
    this.streams.delete(key);
    this.queued.push({ job: entry.job, streamItems: entry.items });
  }

  private send(batch: HistoryWrite[]): void {
    const done = this.history.write(batch).catch((err: unknown) => {
      const first = batch[0]?.job;
      this.ctx.log.warn({ err, endpointId: first?.endpointId, jobs: batch.length }, 'job history write failed');
    });
    this.track(done);
  }

  private track(done: Promise<void>): void {
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
