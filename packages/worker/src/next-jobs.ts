// `next=N` on result posts (sluice extension, offered by the launcher's SLUICE_JOB_DONE_NEXT): a final post asks
// for as many jobs as the worker will have free slots once that job is done, and the jobs in the answer start at
// once, without the job-take round trip. When none come, the finished job leaves and the job loop takes instead.
import { DEFAULTS, isPlainObject, type WorkerJob } from '@sluice/protocol';
import type { InFlightJobs } from './in-flight.js';
import type { WorkerLogger } from './logger.js';
import { validJobs } from './worker-jobs.js';

export interface NextJobsDeps {
  inFlight: InFlightJobs;
  /** Slots the worker has (as last decided; a concurrency function is not asked again here). */
  slots(): number;
  /** False once the worker is stopping: it asks for nothing more. */
  taking(): boolean;
  /** Starts jobs exactly as taken ones. */
  adopt(jobs: readonly WorkerJob[]): void;
  log: WorkerLogger;
}

/**
 * Slot accounting between result posts and the job loop. A job stays in flight until its final post settles, so
 * while posts are under way the free slots are: slots − in flight + finishing − already asked. The loop leaves
 * alone the slots those posts asked for beyond their own (`promised`), so the two never ask for the same slot.
 */
export class NextJobs {
  /** Final posts under way that ask for next jobs; each one's job frees its slot when the post settles. */
  private finishing = 0;
  /** Next jobs asked for by the posts under way. */
  private asked = 0;

  constructor(private readonly deps: NextJobsDeps) {}

  /** How many next jobs a final post asks for; `settle` with the same number must follow its answer. */
  reserve(): number {
    this.finishing += 1;
    if (!this.deps.taking()) return 0;
    const free = this.deps.slots() - this.deps.inFlight.size + this.finishing - this.asked;
    const count = Math.max(0, Math.min(free, DEFAULTS.maxBatchSize));
    this.asked += count;
    return count;
  }

  settle(asked: number): void {
    this.finishing -= 1;
    this.asked -= asked;
  }

  /** Slots asked for by posts under way beyond their own jobs' slots: the job loop does not take for them. */
  get promised(): number {
    return Math.max(0, this.asked - this.finishing);
  }

  /** Starts the jobs in a result answer's `next`, if it has any. */
  receive(answerText: string | undefined): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answerText ?? '');
    } catch {
      return;
    }
    const next = isPlainObject(parsed) ? parsed['next'] : undefined;
    if (!Array.isArray(next) || next.length === 0) return;
    const jobs = validJobs(next, this.deps.log, 'next of a result answer');
    if (jobs.length > 0) this.deps.adopt(jobs);
  }
}
