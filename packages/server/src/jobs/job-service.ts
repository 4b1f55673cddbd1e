// Client-side job lifecycle (spec §4): submission with resolved policy, lookups, cancel, retry, purge,
// and the long-polls that wait for a job to finish or to stream.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SluiceError, isTerminal, type Submission } from '@sluice/protocol';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobRecord } from '../store/job-record.js';
import type { IdempotencyClaim, StreamRead } from '../store/job-store.js';
import { hold } from './hold.js';
import type { JobContext } from './job-context.js';
import { jobIdMaker } from './job-ids.js';
import { STREAM_PAGE, watchStatus, watchStream, type StatusEvent, type StreamEvent } from './job-watch.js';
import { jobKey, streamKey } from './wakeups.js';

/** Jobs cancelled per purge step: a few milliseconds of store time. */
const PURGE_STEP = 500;

export interface SubmitOptions {
  sync: boolean;
  idempotency?: IdempotencyClaim;
}

export class JobService {
  private readonly newJobId: (sync: boolean) => string;

  constructor(private readonly ctx: JobContext) {
    this.newJobId = ctx.newJobId ?? jobIdMaker('uuid7', ctx.now);
  }

  /** Routes resolved the endpoint already (defineRoute); this keeps the service right on its own. */
  private endpointOrThrow(endpointId: string): EndpointConfig {
    const endpoint = this.ctx.endpoint(endpointId);
    if (!endpoint) throw new SluiceError('ERR_ENDPOINT_NOT_FOUND');
    return endpoint;
  }

  /** Creates a job (or replays an idempotent one) and wakes one waiting worker. */
  async submit(
    endpointId: string,
    submission: Submission,
    options: SubmitOptions,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const endpoint = this.endpointOrThrow(endpointId);
    const now = this.ctx.now();
    const ttl = submission.policy.ttl ?? endpoint.ttl;
    return this.ctx.store.enqueue(
      {
        id: this.newJobId(options.sync),
        endpointId,
        input: submission.input,
        webhook: submission.webhook,
        s3Config: submission.s3Config,
        executionTimeout: submission.policy.executionTimeout ?? endpoint.executionTimeout,
        ttl,
        lowPriority: submission.policy.lowPriority ?? false,
        sync: options.sync,
        retention: options.sync ? endpoint.syncRetention : endpoint.runRetention,
        createdAt: now,
        ttlDeadline: now + ttl,
      },
      { idempotency: options.idempotency, maxQueueSize: endpoint.maxQueueSize },
    );
  }

  async get(endpointId: string, id: string): Promise<JobRecord> {
    this.endpointOrThrow(endpointId);
    const job = await this.ctx.store.get(endpointId, id);
    if (!job) throw new SluiceError('ERR_JOB_NOT_FOUND');
    return job;
  }

  async cancel(endpointId: string, id: string): Promise<JobRecord> {
    this.endpointOrThrow(endpointId);
    const change = await this.ctx.store.cancel(endpointId, id, this.ctx.now());
    if (!change) throw new SluiceError('ERR_JOB_NOT_FOUND');
    return change.job;
  }

  async retry(endpointId: string, id: string): Promise<JobRecord> {
    this.endpointOrThrow(endpointId);
    const change = await this.ctx.store.retry(endpointId, id, this.ctx.now());
    if (!change) throw new SluiceError('ERR_JOB_NOT_FOUND');
    return change.job;
  }

  /**
   * Cancels every job queued when it is called, PURGE_STEP at a time with a turn of the event loop in between,
   * so that a queue of a million jobs neither blocks the server nor has to fit in memory at once.
   */
  async purgeQueue(endpointId: string): Promise<number> {
    this.endpointOrThrow(endpointId);
    let removed = 0;
    let cursor: string | undefined;
    do {
      const step = await this.ctx.store.purgeQueue(endpointId, this.ctx.now(), PURGE_STEP, cursor);
      removed += step.purged.length;
      cursor = step.next;
      if (cursor !== undefined) await nextTurn();
    } while (cursor !== undefined);
    return removed;
  }

  /** `status?ttl=`: moves the ttl deadline to now + ttl (spec §4.3). */
  async setTtl(endpointId: string, id: string, ttl: number): Promise<JobRecord> {
    this.endpointOrThrow(endpointId);
    const job = await this.ctx.store.setTtlDeadline(endpointId, id, this.ctx.now() + ttl, ttl);
    if (!job) throw new SluiceError('ERR_JOB_NOT_FOUND');
    return job;
  }

  /** Holds until the job is terminal or `waitMs` passes; answers the job as it then is (runsync, status-sync). */
  async waitForTerminal(endpointId: string, id: string, waitMs: number, signal?: AbortSignal): Promise<JobRecord> {
    const key = jobKey(endpointId, id);
    return hold({ ...this.holdOn(key, waitMs), signal }, async () => {
      const job = await this.get(endpointId, id);
      return { done: isTerminal(job.status), value: job };
    });
  }

  /**
   * Holds until an undelivered stream item exists, the job is terminal, or `waitMs` passes, then consumes
   * the items it answers with (spec §4.5 rules 1–4).
   */
  async readStream(endpointId: string, id: string, waitMs: number, signal?: AbortSignal): Promise<StreamRead> {
    this.endpointOrThrow(endpointId);
    const key = streamKey(endpointId, id);
    return hold({ ...this.holdOn(key, waitMs), signal }, async () => {
      const read = await this.ctx.store.readStream(endpointId, id, STREAM_PAGE);
      if (!read) throw new SluiceError('ERR_JOB_NOT_FOUND');
      if (isTerminal(read.job.status)) return { done: true, value: await this.drainStream(read) };
      return { done: read.items.length > 0, value: read };
    });
  }

  private holdOn(key: string, waitMs: number) {
    return { wakeups: this.ctx.wakeups, key, waitMs, now: this.ctx.now };
  }

  /**
   * Gives back the items of a `readStream` answer whose connection closed before it was written (spec §4.5):
   * runpod-python gives up on a read after 10 s, and the items of an answer it never saw would be lost.
   */
  async unreadStream(read: StreamRead): Promise<void> {
    const { job, firstSeq, items } = read;
    if (items.length === 0) return;
    const key = { endpointId: job.endpointId, jobId: job.id, items: items.length };
    // PublishingStore wakes the stream's other readers when the items went back.
    if (await this.ctx.store.unreadStream(job.endpointId, job.id, firstSeq, items)) {
      this.ctx.log.info(key, 'stream answer not delivered; its items were put back');
    } else {
      this.ctx.log.warn(key, 'stream answer not delivered, and later items were read meanwhile; its items are lost');
    }
  }

  /** The SSE form of status-sync (spec §9.1): see job-watch.ts. */
  watchStatus(endpointId: string, id: string, waitMs: number, signal: AbortSignal): AsyncGenerator<StatusEvent> {
    this.endpointOrThrow(endpointId);
    return watchStatus(this.ctx, endpointId, id, waitMs, signal);
  }

  /** The SSE form of stream (spec §9.1): see job-watch.ts. */
  watchStream(endpointId: string, id: string, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    this.endpointOrThrow(endpointId);
    return watchStream(this.ctx, endpointId, id, signal);
  }

  /** A terminal response must carry every remaining item, however many pages that is. */
  private async drainStream(first: StreamRead): Promise<StreamRead> {
    const items = [...first.items];
    let page = first.items.length;
    while (page === STREAM_PAGE) {
      const next = await this.ctx.store.readStream(first.job.endpointId, first.job.id, STREAM_PAGE);
      if (!next) break;
      items.push(...next.items);
      page = next.items.length;
    }
    // Pages are consecutive, so the first page's firstSeq numbers the whole concatenation.
    return { job: first.job, items, firstSeq: first.firstSeq };
  }
}
