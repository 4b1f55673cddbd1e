// The take loop: asks the server for as many jobs as there are free slots, starts them, and on
// shutdown drains the jobs in flight (spec §6.2, §6.3, §7.3).
import { DEFAULTS, type WorkerJob } from '@sluice/protocol';
import { createBackoff } from './backoff.js';
import type { HttpClient } from './http.js';
import type { InFlightJobs } from './in-flight.js';
import type { JobOutcome } from './job-runner.js';
import type { NextJobs } from './next-jobs.js';
import { describeError, type WorkerLogger } from './logger.js';
import type { WorkerTimings } from './options.js';
import { sleep } from './sleep.js';
import type { WorkerUrls } from './urls.js';
import { validJobs } from './worker-jobs.js';

/*
 * State machine (one JobLoop per worker):
 *
 *   starting ─run()─▶ polling ─jobs or 204─▶ polling            (the server holds, so re-poll at once)
 *                       │  ▲
 *                       │  └─ slot freed (or 1 s, to re-ask a concurrency function) ─ waiting
 *                       │       (a result post asking for `next` jobs holds its slot until its answer: adopt())
 *                       ├─ no free slot ─▶ waiting
 *                       ├─ network error, 5xx, non-JSON, instant 204 ─▶ backing-off (250 ms … 5 s) ─▶ polling
 *                       └─ 429 ─▶ backing-off (5 s) ─▶ polling
 *
 *   polling | waiting | backing-off ─requestStop()─▶ draining ─in-flight done, or grace over─▶ stopped
 *
 * requestStop() aborts the pending long-poll at once. In draining, jobs still finish and post their
 * results; when the grace runs out their signals fire, pending posts are cancelled, and the loop stops.
 */
export type JobLoopState = 'starting' | 'polling' | 'waiting' | 'backing-off' | 'draining' | 'stopped';

export interface JobLoopDeps {
  http: HttpClient;
  urls: WorkerUrls;
  inFlight: InFlightJobs;
  log: WorkerLogger;
  timings: WorkerTimings;
  concurrency: number | ((current: number) => number);
  shutdownGraceMs: number;
  /** Runs one job; resolves when its result is posted (or it was aborted). Must not reject. */
  runJob(job: WorkerJob, signal: AbortSignal): Promise<JobOutcome>;
  /** Aborted when the grace runs out, cancelling posts still pending. */
  hardStop: AbortController;
  /** Result posts that ask for next jobs (SLUICE_JOB_DONE_NEXT): the slots they asked to fill are theirs. */
  nextJobs?: Pick<NextJobs, 'promised'>;
}

type TakeAnswer = { kind: 'jobs'; jobs: WorkerJob[] } | { kind: 'empty' | 'too-many' | 'failed' | 'stopping' };

/** A 204 faster than this was not held: re-polling at once could become a hot loop (spec §6.2). */
const INSTANT_ANSWER_MS = 50;

/** How often a concurrency function is asked again while every slot is busy (runpod-python: 1 s). */
const RESCALE_CHECK_MS = 1000;

export class JobLoop {
  state: JobLoopState = 'starting';
  private readonly polling = new AbortController();
  private readonly graceCut = new AbortController();
  private readonly backoff;
  private currentConcurrency = 1;

  constructor(private readonly deps: JobLoopDeps) {
    this.backoff = createBackoff({ initialMs: deps.timings.backoffInitialMs, maxMs: deps.timings.backoffMaxMs });
  }

  /** Stops taking jobs and cancels the pending take; `immediate` also skips the drain grace. */
  requestStop(reason: string, options: { immediate?: boolean } = {}): void {
    if (!this.polling.signal.aborted) {
      this.deps.log.info(`stopping: ${reason}`);
      this.polling.abort(new DOMException(reason, 'AbortError'));
    }
    if (options.immediate) this.graceCut.abort();
  }

  async run(): Promise<void> {
    const stopping = this.polling.signal;
    while (!stopping.aborted) {
      const free = this.capacity() - this.deps.inFlight.size - (this.deps.nextJobs?.promised ?? 0);
      if (free <= 0) {
        this.state = 'waiting';
        const recheck = typeof this.deps.concurrency === 'function' ? RESCALE_CHECK_MS : undefined;
        await this.deps.inFlight.waitForChange(recheck, stopping);
        continue;
      }
      this.state = 'polling';
      const answer = await this.take(free);
      if (answer.kind === 'jobs') {
        this.backoff.reset();
        for (const job of answer.jobs) this.launch(job);
      } else if (answer.kind === 'empty') {
        this.backoff.reset();
      } else if (answer.kind === 'too-many' || answer.kind === 'failed') {
        this.state = 'backing-off';
        const delay = answer.kind === 'too-many' ? this.deps.timings.tooManyRequestsMs : this.backoff.next();
        await sleep(delay, stopping);
      }
    }
    this.state = 'draining';
    await this.drain();
    this.state = 'stopped';
  }

  /** Whether jobs are still wanted: false once stopping. */
  get taking(): boolean {
    return !this.polling.signal.aborted;
  }

  /** Slots as last decided, without asking a concurrency function again. */
  slots(): number {
    return typeof this.deps.concurrency === 'number' ? this.deps.concurrency : this.currentConcurrency;
  }

  /**
   * Starts jobs the server handed over in a result post's answer (`next`) exactly as taken ones: in flight, so
   * pings list them and job-stop reaches them. Dropped only once the worker gave up on shutdown: the server's
   * liveness rules requeue them when no ping lists them (spec §6.8).
   */
  adopt(jobs: readonly WorkerJob[]): void {
    if (this.deps.hardStop.signal.aborted) {
      this.deps.log.warn(`shut down; next jobs ${jobs.map((j) => j.id).join(', ')} not started`);
      return;
    }
    for (const job of jobs) this.launch(job);
  }

  /** Slots wanted now: a number, or what runpod-python's concurrency_modifier makes of the last value. */
  private capacity(): number {
    const { concurrency, log } = this.deps;
    if (typeof concurrency === 'number') return concurrency;
    try {
      const next = concurrency(this.currentConcurrency);
      if (Number.isFinite(next) && next >= 0) this.currentConcurrency = Math.floor(next);
      else log.error(`concurrency function returned ${String(next)}; keeping ${this.currentConcurrency}`);
    } catch (err) {
      log.error(`concurrency function threw: ${describeError(err)}`);
    }
    return this.currentConcurrency;
  }

  private async take(free: number): Promise<TakeAnswer> {
    const { http, urls, inFlight, log } = this.deps;
    const batchSize = Math.min(free, DEFAULTS.maxBatchSize);
    const inProgress = inFlight.size > 0;
    // runpod-python ≥ 1.7.1: job-take-batch when more than one job is wanted, job-take for exactly one.
    const url = batchSize > 1 ? urls.jobTakeBatch(batchSize, inProgress) : urls.jobTake(inProgress);
    const startedAt = performance.now();
    let response;
    try {
      response = await http.get(url, { signal: this.polling.signal });
    } catch (err) {
      if (this.polling.signal.aborted) return { kind: 'stopping' };
      log.error(`job-take failed: ${describeError(err)}`);
      return { kind: 'failed' };
    }
    if (response.status === 204) {
      if (performance.now() - startedAt >= INSTANT_ANSWER_MS) return { kind: 'empty' };
      log.debug('job-take answered 204 without holding; backing off');
      return { kind: 'failed' };
    }
    if (response.status === 429) return { kind: 'too-many' };
    if (response.status !== 200) {
      log.error(`job-take answered HTTP ${response.status}`);
      return { kind: 'failed' };
    }
    return this.parseJobs(response.text);
  }

  /** job-take answers one job object, job-take-batch an array of them (spec §6.2, §6.3). */
  private parseJobs(text: string): TakeAnswer {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.deps.log.error('job-take answer is not JSON');
      return { kind: 'failed' };
    }
    const jobs = validJobs(Array.isArray(parsed) ? parsed : [parsed], this.deps.log, 'job-take answer');
    return jobs.length > 0 ? { kind: 'jobs', jobs } : { kind: 'failed' };
  }

  private launch(job: WorkerJob): void {
    const { inFlight, log } = this.deps;
    if (inFlight.has(job.id)) {
      log.warn('job handed out again while still running here; the running copy will report it', job.id);
      return;
    }
    const signal = inFlight.add(job.id);
    void this.deps
      .runJob(job, signal)
      .then((outcome) => {
        if (outcome.kind === 'reported' && outcome.stopPod) this.requestStop('stopPod: the worker is to be replaced');
      })
      .catch((err: unknown) => log.error(`job runner failed: ${describeError(err)}`, job.id))
      .finally(() => inFlight.remove(job.id));
  }

  private async drain(): Promise<void> {
    const { inFlight, log, shutdownGraceMs, hardStop } = this.deps;
    if (inFlight.size === 0) return;
    log.info(`waiting up to ${shutdownGraceMs} ms for ${inFlight.size} job(s) in flight`);
    const timer = setTimeout(() => this.graceCut.abort(), shutdownGraceMs);
    await inFlight.whenEmpty(this.graceCut.signal);
    clearTimeout(timer);
    if (inFlight.size === 0) return;
    log.warn(`shutdown grace over; abandoning job(s) ${inFlight.ids().join(', ')} without results`);
    hardStop.abort();
    inFlight.abortAll(new DOMException('the worker shut down before the job finished', 'AbortError'));
    await inFlight.whenEmpty();
  }
}
