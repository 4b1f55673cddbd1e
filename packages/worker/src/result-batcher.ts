// Final results that finish in the same event-loop turn travel together in one `job-done-batch` post
// (sluice extension, issue #7): at concurrency > 1 the fixed cost of a request per result (a round trip,
// a wake-up of the server and of the worker) dominates. Anything the batch cannot carry goes the usual way.
import { setImmediate } from 'node:timers';
import { postWithRetry, type HttpClient, type PostOutcome } from './http.js';
import type { WorkerLogger } from './logger.js';
import type { NextJobs } from './next-jobs.js';
import { withNext } from './urls.js';
import { isPlainObject } from '@sluice/protocol';

/** Bigger results go alone: the request's fixed cost that batching saves is small beside such a body. */
export const MAX_BATCHED_RESULT_BYTES = 64 * 1024;
/** The server accepts 1..64 results per batch. */
export const MAX_BATCH_RESULTS = 64;
/** Keeps a batch well inside the server's body cap (one result's cap, 20 MB by default, at least 1 KB). */
export const MAX_BATCH_BYTES = 1024 * 1024;

export interface BatchedResult {
  jobId: string;
  isStream: boolean;
  /** The serialised final job-done body, embedded as is. */
  text: string;
  /** The job's signal: a job stopped while its result waits for the flush is left out of the batch. */
  jobSignal: AbortSignal;
  /** Next jobs this result asks for (`next`, see next-jobs.ts); the batch asks for its results' sum. */
  next?: number;
}

export interface ResultBatcherDeps {
  http: HttpClient;
  /** SLUICE_WEBHOOK_POST_OUTPUT_BATCH with the worker id filled in. */
  url: string;
  log: WorkerLogger;
  /** The job-done retry delays: a batch is retried as its results would have been. */
  retryDelaysMs: readonly number[];
  /** Aborted when the worker gives up on shutdown: pending batches and their retries are cancelled. */
  hardStop: AbortSignal;
  /** Starts the next jobs a batch answer carries; set when the server offers `next`. */
  nextJobs?: Pick<NextJobs, 'receive'>;
}

interface Queued extends BatchedResult {
  bytes: number;
  resolve(outcome: PostOutcome | undefined): void;
}

interface ItemAnswer {
  status: number;
  error?: string;
}

export class ResultBatcher {
  private queue: Queued[] = [];
  /** Cleared once the server shows it has no batch route; it will not grow one while this process lives. */
  private supported = true;

  constructor(private readonly deps: ResultBatcherDeps) {}

  /**
   * Resolves with the result's own outcome once its batch is answered, or with undefined when the caller
   * must post it alone with job-done: it is too big, alone in its turn, refused as part of a batch, or its
   * job was stopped meanwhile (so the caller, which checks its signals before posting, posts nothing).
   */
  submit(result: BatchedResult): Promise<PostOutcome | undefined> {
    if (!this.supported) return Promise.resolve(undefined);
    const bytes = Buffer.byteLength(result.text);
    if (bytes > MAX_BATCHED_RESULT_BYTES) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      if (this.queue.length === 0) setImmediate(() => this.flush());
      this.queue.push({ ...result, bytes, resolve });
    });
  }

  private flush(): void {
    const queued = this.queue;
    this.queue = [];
    const live = queued.filter((item) => {
      const stopped = item.jobSignal.aborted || this.deps.hardStop.aborted;
      if (stopped) item.resolve(undefined);
      return !stopped;
    });
    for (const group of split(live)) void this.send(group);
  }

  private async send(group: Queued[]): Promise<void> {
    // A lone result gains nothing from the envelope; job-done keeps its wire exactly as without batching.
    const outcomes = group.length === 1 || !this.supported ? group.map(() => undefined) : await this.post(group);
    group.forEach((item, i) => item.resolve(outcomes[i]));
  }

  private async post(group: Queued[]): Promise<Array<PostOutcome | undefined>> {
    const { http, url, log, retryDelaysMs, hardStop, nextJobs } = this.deps;
    const next = Math.min(
      group.reduce((sum, item) => sum + (item.next ?? 0), 0),
      MAX_BATCH_RESULTS,
    );
    // Re-applying a batch is safe: the server ignores repeated results for jobs already finished.
    const outcome = await postWithRetry(http, withNext(url, next), batchBody(group), {
      delaysMs: retryDelaysMs,
      signal: hardStop,
      retryTooManyRequests: true,
    });
    const alone = () => group.map(() => undefined);
    // The jobs were leased to this worker whatever the results' answers say: they start before those settle.
    if (outcome.ok && next > 0) nextJobs?.receive(outcome.text);
    if (outcome.ok) {
      const answers = parseAnswers(outcome.text ?? '', group);
      if (answers) {
        log.debug(`${group.length} results sent in one job-done-batch`);
        return answers.map((answer) => itemOutcome(answer, outcome.attempts));
      }
      log.warn(`job-done-batch answer does not match its ${group.length} results; posting them one by one`);
      return alone();
    }
    const { status } = outcome;
    if (status === 404 || status === 405) {
      if (this.supported) log.info('the server has no job-done-batch route; results go one job-done each from now on');
      this.supported = false;
      return alone();
    }
    // 413, 400 and the like refuse this batch's shape or size, not its results: each may still go alone.
    if (status !== undefined && status < 500 && status !== 429) {
      log.warn(`job-done-batch of ${group.length} results refused (HTTP ${status}); posting them one by one`);
      return alone();
    }
    // Retries used up, or the worker gave up: every result shares the request's fate.
    return group.map(() => outcome);
  }
}

/** The results' texts are embedded as they are: they were serialised once already, for job-done. */
function batchBody(group: readonly Queued[]): string {
  const items = group.map((r) => `{"id":${JSON.stringify(r.jobId)},"isStream":${r.isStream},"result":${r.text}}`);
  return `[${items.join(',')}]`;
}

/** Consecutive groups within the per-request count and size caps. */
function split(items: readonly Queued[]): Queued[][] {
  const groups: Queued[][] = [];
  let group: Queued[] = [];
  let bytes = 0;
  for (const item of items) {
    if (group.length === MAX_BATCH_RESULTS || (group.length > 0 && bytes + item.bytes > MAX_BATCH_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += item.bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** `{"results": [...]}` with one entry per result in request order, or undefined when it is anything else. */
function parseAnswers(text: string, group: readonly Queued[]): ItemAnswer[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const results = isPlainObject(parsed) ? parsed['results'] : undefined;
  if (!Array.isArray(results) || results.length !== group.length) return undefined;
  const answers: ItemAnswer[] = [];
  for (const [i, entry] of results.entries()) {
    if (!isPlainObject(entry) || entry['id'] !== group[i]?.jobId || typeof entry['status'] !== 'number') {
      return undefined;
    }
    const { error } = entry;
    answers.push({ status: entry['status'], ...(typeof error === 'string' ? { error } : {}) });
  }
  return answers;
}

/** One result's answer read as its own job-done answer would be. */
function itemOutcome(answer: ItemAnswer, attempts: number): PostOutcome | undefined {
  const { status } = answer;
  if (status >= 200 && status < 300) return { ok: true, status, attempts };
  // Sluice fails the whole request rather than answer this per result; job-done's own retries fit it if one does.
  if (status >= 500 || status === 429) return undefined;
  return { ok: false, status, attempts, ...(answer.error === undefined ? {} : { error: answer.error }) };
}
