// Applies worker posts (spec §6.4 job-done, §6.5 job-stream): classifies the raw body, owns the size caps
// (the routes ask it for them; defineRoute checks them as the body arrives), and fails the job visibly when a
// post is oversized or invalid (spec §2.3 row 7).
import {
  SluiceError,
  isPlainObject,
  formatMb,
  isTerminal,
  isTruthy,
  jsonNestingExceeds,
  type Json,
} from '@sluice/protocol';
import type { EndpointConfig } from '../config/config-schema.js';
import type { FinalResult, PostOutcome } from '../store/job-store.js';
import type { JobContext } from './job-context.js';

export interface WorkerPost {
  endpointId: string;
  /** The endpoint's settings, resolved once by the route. */
  endpoint: EndpointConfig;
  workerId: string;
  jobId: string;
  /** The raw body, parsed here whatever its content type (spec §1.3), already within its `bodyCap`. */
  body: Buffer | undefined;
  /** `stream_seq` of a job-stream post (sent by @sluice/worker): the store applies each number once. */
  seq?: number;
}

function isJsonObject(value: unknown): value is Record<string, Json> {
  return isPlainObject(value);
}

function parseObject(body: Buffer | undefined): Record<string, Json> | undefined {
  // Too deep to store or answer without overflowing the stack: as invalid as text that is not JSON.
  if (!body || body.length === 0 || jsonNestingExceeds(body)) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The final result a job-done body stands for (rules 3 and 4 of spec §6.4). */
export function classifyFinal(body: Record<string, Json>, isStream: boolean): FinalResult {
  const result: FinalResult = { status: isTruthy(body['error']) ? 'FAILED' : 'COMPLETED', streaming: isStream };
  if (Object.hasOwn(body, 'output')) result.output = body['output'] ?? null;
  if (result.status === 'FAILED') {
    const error = body['error'];
    result.error = typeof error === 'string' ? error : JSON.stringify(error);
  }
  return result;
}

export type PostKind = 'result' | 'stream';

/** A body cap as defineRoute checks it: past `bytes`, `refuse` gives the 413 to answer. */
export interface PostCap {
  bytes: number;
  refuse: () => Promise<SluiceError>;
}

const CAPS: Record<PostKind, { bytes: (e: EndpointConfig) => number; noun: string }> = {
  result: { bytes: (e) => e.maxResultBytes, noun: 'result' },
  stream: { bytes: (e) => e.maxStreamItemBytes, noun: 'stream chunk' },
};

/** (worker, job) pairs already warned about; bounded, oldest forgotten first. */
const WARNED_MAX = 10_000;

export class WorkerPosts {
  private readonly warnedMisdirected = new Set<string>();

  constructor(private readonly ctx: JobContext) {}

  /**
   * `POST job-done`: progress update or final result. Throws the 4xx the worker must see. `alongside` runs right
   * after the post's store write is issued, in the same turn, so a write it issues shares that write's commit
   * (the `next` jobs of the answer); it does not run for a post refused before reaching the store.
   */
  async done(post: WorkerPost, isStream: boolean, alongside?: () => void): Promise<PostOutcome> {
    return this.noteIgnored(post, await this.applyDone(post, isStream, alongside));
  }

  private async applyDone(post: WorkerPost, isStream: boolean, alongside?: () => void): Promise<PostOutcome> {
    return this.applyDoneBody(post, parseObject(post.body), isStream, alongside);
  }

  /** The cap of a job-done (`result`) or job-stream post (spec §2.6): past it the job fails, then the 413. */
  bodyCap(kind: PostKind, post: WorkerPost): PostCap {
    const { bytes, noun } = CAPS[kind];
    const cap = formatMb(bytes(post.endpoint));
    return {
      bytes: bytes(post.endpoint),
      refuse: async () => {
        await this.failForPost(post, `${noun} exceeded ${cap}`);
        return new SluiceError('ERR_PAYLOAD_TOO_LARGE', `${noun} is too large; max size is ${cap}`);
      },
    };
  }

  /** A job-done-batch fits in one result's cap; no job fails for it: the worker posts the results one by one. */
  batchCap(endpoint: EndpointConfig): PostCap {
    const message = `results are too large together; max size is ${formatMb(endpoint.maxResultBytes)}`;
    return {
      bytes: endpoint.maxResultBytes,
      refuse: () => Promise.resolve(new SluiceError('ERR_PAYLOAD_TOO_LARGE', message)),
    };
  }

  /**
   * One item of a `job-done-batch` post (sluice extension): `result` is the job-done body, already parsed and
   * within the cap (the whole batch is). Same rules and outcomes as `done`.
   */
  async doneParsed(post: WorkerPost, result: unknown, isStream: boolean): Promise<PostOutcome> {
    const body = isJsonObject(result) ? result : undefined;
    return this.noteIgnored(post, await this.applyDoneBody(post, body, isStream));
  }

  private async applyDoneBody(
    post: WorkerPost,
    body: Record<string, Json> | undefined,
    isStream: boolean,
    alongside?: () => void,
  ): Promise<PostOutcome> {
    if (!body) {
      await this.failForPost(post, 'worker posted an invalid result');
      throw new SluiceError('ERR_REQUEST_INVALID_JSON');
    }
    if (body['stopPod'] === true) {
      await this.ctx.workers.recordWorker(post.endpointId, post.workerId, { draining: true }, this.ctx.now());
      // PublishingStore wakes the job-take and job-stop polls the worker holds, here or on another server,
      // so they answer at once (spec §6.2).
    }
    // Issued after a stopPod's drain was recorded, so a claim made alongside sees the worker draining.
    const applying =
      body['status'] === 'IN_PROGRESS'
        ? this.ctx.store.progress(post.endpointId, post.workerId, post.jobId, body['output'])
        : this.finish(post, classifyFinal(body, isStream));
    alongside?.();
    return applying;
  }

  /** `POST job-stream`: appends one item verbatim. */
  async stream(post: WorkerPost): Promise<PostOutcome> {
    return this.noteIgnored(post, await this.applyStream(post));
  }

  private noteIgnored(post: WorkerPost, outcome: PostOutcome): PostOutcome {
    if (outcome.kind === 'ignored') {
      this.ctx.onPostIgnored?.(post.endpointId, isTerminal(outcome.job.status) ? 'terminal' : 'not-leased');
      const { job } = outcome;
      if (job.status === 'IN_PROGRESS' && job.workerId !== post.workerId) this.warnMisdirected(post, job.workerId);
    }
    return outcome;
  }

  /**
   * A post for a job running under another worker id is ignored (spec §6.4), and silently so it would hide a
   * worker whose take and post templates name it differently (spec §7.2): warned once per worker and job.
   */
  private warnMisdirected(post: WorkerPost, leasedTo: string | undefined): void {
    const key = `${post.endpointId}\u0000${post.workerId}\u0000${post.jobId}`;
    if (this.warnedMisdirected.has(key)) return;
    if (this.warnedMisdirected.size >= WARNED_MAX) {
      const oldest = this.warnedMisdirected.values().next();
      if (!oldest.done) this.warnedMisdirected.delete(oldest.value);
    }
    this.warnedMisdirected.add(key);
    this.ctx.log.warn(
      { endpointId: post.endpointId, workerId: post.workerId, jobId: post.jobId, leasedTo },
      'worker posted for a job leased to another worker id; ignored',
    );
  }

  private async applyStream(post: WorkerPost): Promise<PostOutcome> {
    const item = parseObject(post.body);
    // A non-object item is dropped and the job left alone (sluice decision, spec §6.5).
    if (!item) throw new SluiceError('ERR_REQUEST_INVALID_JSON');
    const { endpoint } = post;
    const outcome = await this.ctx.store.appendStream(post.endpointId, post.workerId, post.jobId, item, {
      ...(post.seq === undefined ? {} : { seq: post.seq }),
      maxBufferBytes: endpoint.maxStreamBufferBytes,
    });
    if (outcome.kind === 'buffer-full') {
      // Nobody reads the stream fast enough: holding the worker would only move the growth into its memory.
      const cap = formatMb(endpoint.maxStreamBufferBytes);
      await this.failForPost(post, `stream buffer exceeded ${cap} of undelivered items`);
      throw new SluiceError('ERR_PAYLOAD_TOO_LARGE', `stream buffer is full; max undelivered is ${cap}`);
    }
    return outcome;
  }

  private async finish(post: WorkerPost, result: FinalResult): Promise<PostOutcome> {
    return this.ctx.store.finish(post.endpointId, post.workerId, post.jobId, result, this.ctx.now());
  }

  private async failForPost(post: WorkerPost, error: string): Promise<void> {
    const outcome = await this.finish(post, { status: 'FAILED', error, stopWorker: true });
    if (outcome.kind === 'applied') {
      this.ctx.log.warn(
        { endpointId: post.endpointId, workerId: post.workerId, jobId: post.jobId, error },
        'job failed by its worker post',
      );
    }
  }
}
