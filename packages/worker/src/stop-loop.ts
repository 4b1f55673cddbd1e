// The job-stop channel: long-polls job-stop and aborts the signals of the jobs the server names (spec §6.6).
import { createBackoff } from './backoff.js';
import type { HttpClient } from './http.js';
import type { InFlightJobs } from './in-flight.js';
import { describeError, type WorkerLogger } from './logger.js';
import type { WorkerTimings } from './options.js';
import { isPlainObject } from '@sluice/protocol';
import { sleep } from './sleep.js';

export interface StopLoopDeps {
  http: HttpClient;
  url: string;
  inFlight: InFlightJobs;
  log: WorkerLogger;
  timings: WorkerTimings;
}

/** Milliseconds to wait before the next poll, or the next backoff delay. */
type Next = number | 'backoff';

/** A 204 faster than this was not held; treated as a failure so the loop cannot spin. */
const INSTANT_ANSWER_MS = 50;

/**
 * Runs from start until `stop()`. Answers: 200 `{"jobsToStop":[…]}` aborts those jobs (their results
 * are then not posted) and, when it names none, sleeps 1 s like runpod-python; 204 re-polls at once
 * (the server held); 429 sleeps 5 s; anything else backs off.
 */
export class StopLoop {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly deps: StopLoopDeps) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Cancels the pending long-poll and resolves once the loop has exited. */
  async stop(): Promise<void> {
    this.controller.abort(new DOMException('worker stopped', 'AbortError'));
    await this.running;
  }

  private async loop(): Promise<void> {
    const { http, url, log, timings } = this.deps;
    const signal = this.controller.signal;
    const backoff = createBackoff({ initialMs: timings.backoffInitialMs, maxMs: timings.backoffMaxMs });
    while (!signal.aborted) {
      const startedAt = performance.now();
      let next: Next;
      try {
        const response = await http.get(url, { signal });
        next = this.handle(response.status, response.text, performance.now() - startedAt);
      } catch (err) {
        if (signal.aborted) break;
        log.error(`job-stop failed: ${describeError(err)}`);
        next = 'backoff';
      }
      if (next !== 'backoff') backoff.reset();
      const delay = next === 'backoff' ? backoff.next() : next;
      if (delay > 0) await sleep(delay, signal);
    }
  }

  /** Acts on one answer and says how long to wait before the next poll. */
  private handle(status: number, text: string, elapsedMs: number): Next {
    const { log, timings } = this.deps;
    if (status === 204) return elapsedMs >= INSTANT_ANSWER_MS ? 0 : 'backoff';
    if (status === 429) return timings.tooManyRequestsMs;
    if (status !== 200) {
      log.error(`job-stop answered HTTP ${status}`);
      return 'backoff';
    }
    const ids = parseJobsToStop(text);
    if (ids === undefined) {
      log.error('job-stop answer is not {"jobsToStop":[…]}');
      return 'backoff';
    }
    for (const id of ids) {
      const aborted = this.deps.inFlight.abort(id, new DOMException('the server stopped this job', 'AbortError'));
      log.info(aborted ? 'stop requested by the server' : 'stop requested for a job not running here', id);
    }
    return ids.length === 0 ? timings.stopEmptyAnswerMs : 0;
  }
}

function parseJobsToStop(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isPlainObject(parsed) || !Array.isArray(parsed['jobsToStop'])) return undefined;
    return parsed['jobsToStop'].filter((id): id is string => typeof id === 'string');
  } catch {
    return undefined;
  }
}
