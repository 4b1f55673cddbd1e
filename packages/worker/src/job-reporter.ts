// Sends one job's posts to the server in order: progress updates, stream items, then the final result.
import { postWithRetry, type HttpClient, type PostOutcome } from './http.js';
import { describeError, type WorkerLogger } from './logger.js';
import { progressBody, serializeBody } from './result-body.js';
import type { NextJobs } from './next-jobs.js';
import type { ResultBatcher } from './result-batcher.js';
import type { WorkerUrls } from './urls.js';

/** Where a running job's outputs go: the server (below) or the local test console (test-mode.ts). */
export interface Reporter {
  progress(value: unknown): Promise<void>;
  /** `text` is the serialised `{"output": item}`. */
  streamItem(text: string): Promise<void>;
  /** `text` is the serialised final body; `isStream` marks a generator's final post. */
  final(text: string, isStream: boolean): Promise<void>;
}

export interface JobReporterDeps {
  http: HttpClient;
  urls: WorkerUrls;
  log: WorkerLogger;
  retryDelaysMs: readonly number[];
  /** Aborted when the job is stopped: nothing more is posted for it (spec §6.6). */
  jobSignal: AbortSignal;
  /** Aborted when the worker gives up on shutdown: pending posts and retries are cancelled. */
  hardStop: AbortSignal;
  /** Carries final results together when the server offers job-done-batch; absent, each goes alone. */
  batcher?: ResultBatcher;
  /** Asks for the worker's next jobs with the final result when the server offers `next`; absent, never. */
  nextJobs?: NextJobs;
}

/**
 * Posts are chained so they reach the server in the order they were made; in particular a progress
 * update made just before the result cannot land after it. Once `final` is called, `progress` is a
 * no-op, so a late progress can never overwrite a final result (runpod-python#250).
 */
export class JobReporter implements Reporter {
  private chain: Promise<void> = Promise.resolve();
  private finished = false;
  /** Stream posts made for this job; each post's number rides along so a retried post is applied once. */
  private streamSeq = 0;

  constructor(
    private readonly jobId: string,
    private readonly deps: JobReporterDeps,
  ) {}

  progress(value: unknown): Promise<void> {
    if (this.finished || this.deps.jobSignal.aborted) return Promise.resolve();
    let text: string;
    try {
      text = serializeBody(progressBody(value));
    } catch (err) {
      this.deps.log.error(`progress value dropped: ${describeError(err)}`, this.jobId);
      return Promise.resolve();
    }
    // Progress is advisory: one attempt, so a flaky network cannot hold the final result back for seconds.
    return this.enqueue('progress', this.deps.urls.jobDone(this.jobId, false), text, []);
  }

  streamItem(text: string): Promise<void> {
    const url = this.deps.urls.jobStream(this.jobId, this.streamSeq + 1);
    if (url === undefined) {
      this.deps.log.error('stream item dropped: RUNPOD_WEBHOOK_POST_STREAM is not set', this.jobId);
      return Promise.resolve();
    }
    this.streamSeq += 1;
    return this.enqueue('stream item', url, text, this.deps.retryDelaysMs);
  }

  final(text: string, isStream: boolean): Promise<void> {
    this.finished = true;
    // The URL is made when the post goes: it may ask for next jobs, as many as are free by then.
    return this.enqueue('result', '', text, this.deps.retryDelaysMs, { isStream });
  }

  private enqueue(
    what: string,
    url: string,
    body: string,
    delaysMs: readonly number[],
    final?: { isStream: boolean },
  ): Promise<void> {
    const next = this.chain.then(() => this.send(what, url, body, delaysMs, final));
    this.chain = next;
    return next;
  }

  private async send(
    what: string,
    url: string,
    body: string,
    delaysMs: readonly number[],
    final: { isStream: boolean } | undefined,
  ): Promise<void> {
    const { jobSignal, hardStop, log } = this.deps;
    // A stopped job posts nothing more: the server already set its terminal state (spec §6.6).
    if (jobSignal.aborted || hardStop.aborted) return;
    const outcome = final ? await this.sendFinal(body, delaysMs, final.isStream) : await this.post(url, body, delaysMs);
    if (outcome === undefined) return;
    if (outcome.ok) {
      log.debug(`${what} posted`, this.jobId);
    } else if (outcome.status === 404) {
      log.warn(`${what} not accepted: the server no longer knows this job`, this.jobId);
    } else {
      log.error(`${what} not delivered after ${outcome.attempts} attempt(s): ${failure(outcome)}`, this.jobId);
    }
  }
  /**
   * The final result, batched when possible, asking for next jobs when the server offers them. The slots asked for
   * stay reserved until the answer's jobs have started, so the job loop does not take for them meanwhile.
   * Undefined: the job was stopped while its result waited for a batch, so nothing was posted.
   */
  private async sendFinal(
    body: string,
    delaysMs: readonly number[],
    isStream: boolean,
  ): Promise<PostOutcome | undefined> {
    const { jobSignal, hardStop, batcher, nextJobs } = this.deps;
    const next = nextJobs?.reserve() ?? 0;
    try {
      const batched = batcher
        ? await batcher.submit({ jobId: this.jobId, isStream, text: body, jobSignal, next })
        : undefined;
      if (batched !== undefined) return batched;
      // Again: the job may have been stopped while its result waited for a batch.
      if (jobSignal.aborted || hardStop.aborted) return undefined;
      const outcome = await this.post(this.deps.urls.jobDone(this.jobId, isStream, next), body, delaysMs);
      if (outcome.ok && next > 0) nextJobs?.receive(outcome.text);
      return outcome;
    } finally {
      nextJobs?.settle(next);
    }
  }

  private post(url: string, body: string, delaysMs: readonly number[]): Promise<PostOutcome> {
    return postWithRetry(this.deps.http, url, body, { delaysMs, signal: this.deps.hardStop });
  }
}

function failure(outcome: { status?: number; error?: unknown }): string {
  if (outcome.status === undefined) return describeError(outcome.error);
  // A batched result's refusal carries the server's reason; a lone post's answer is not kept.
  return outcome.error === undefined
    ? `HTTP ${outcome.status}`
    : `HTTP ${outcome.status} (${describeError(outcome.error)})`;
}
