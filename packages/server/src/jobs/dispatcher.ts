// Hands queued jobs to long-polling workers (job-take, job-take-batch), and to workers that ask for their next
// jobs in a job-done answer (`next`, a sluice extension); pending stops go to job-stop polls.
// A job enqueued while a worker waits is claimed by that worker at once: enqueue notifies the queue key,
// which wakes the longest-waiting take (no polling interval on this path).
import { DEFAULTS } from '@sluice/protocol';
import type { JobRecord } from '../store/job-record.js';
import { hold } from './hold.js';
import type { JobContext } from './job-context.js';
import { queueKey, stopKey } from './wakeups.js';
import { sleep } from './sleep.js';

/** Identifies one worker of one endpoint in the held-takes count. */
function workerKey(endpointId: string, workerId: string): string {
  return `${endpointId}\u0000${workerId}`;
}

export class Dispatcher {
  /** job-take and job-take-batch polls each worker holds on this server right now. */
  private readonly takesHeld = new Map<string, number>();

  constructor(private readonly ctx: JobContext) {}

  /**
   * Claims up to `max` jobs for `workerId`, holding up to `holdMs` while the queue is empty. Answers [] when
   * the hold expires, the request is aborted, or the worker is draining (it gets no more jobs, spec §6.2): at
   * once when it started draining during this hold, so runpod-python can exit; after the hold otherwise.
   */
  async take(
    endpointId: string,
    workerId: string,
    max: number,
    holdMs: number,
    signal?: AbortSignal,
  ): Promise<JobRecord[]> {
    const held = workerKey(endpointId, workerId);
    this.takesHeld.set(held, (this.takesHeld.get(held) ?? 0) + 1);
    try {
      const jobs = await this.holdForJobs(endpointId, workerId, max, holdMs, signal);
      if (jobs.length > 0) this.ctx.onDispatched?.(endpointId, 'take', jobs.length);
      return jobs;
    } finally {
      const left = (this.takesHeld.get(held) ?? 1) - 1;
      if (left > 0) this.takesHeld.set(held, left);
      else this.takesHeld.delete(held);
    }
  }

  /**
   * Claims up to `max` jobs for a worker that has just posted a result and asks for its next ones in the answer
   * (`?next=N`, a sluice extension), without holding. Nothing while that worker holds a job-take here: the poll
   * is already asking for the same free slot, and both answers would overfill the worker. The store leases
   * nothing to a draining worker. The claim is issued at once (no await before it), so a caller that issues it
   * in the same turn as the post's own write shares that write's group commit (SQLite) or pipeline (Redis).
   */
  takeAlongside(endpointId: string, workerId: string, max: number): Promise<JobRecord[]> {
    const count = Math.min(max, DEFAULTS.maxBatchSize);
    if (count <= 0 || this.takesHeld.has(workerKey(endpointId, workerId))) return Promise.resolve([]);
    const claimed = this.ctx.store.claim(endpointId, workerId, count, this.ctx.now());
    return claimed.then((jobs) => {
      if (jobs.length > 0) this.ctx.onDispatched?.(endpointId, 'next', jobs.length);
      return jobs;
    });
  }

  private async holdForJobs(
    endpointId: string,
    workerId: string,
    max: number,
    holdMs: number,
    signal?: AbortSignal,
  ): Promise<JobRecord[]> {
    const { store, wakeups } = this.ctx;
    const count = Math.max(1, Math.min(max, DEFAULTS.maxBatchSize));
    const key = queueKey(endpointId);
    const stop = stopKey(endpointId, workerId);
    const deadline = this.ctx.now() + holdMs;
    const answer = await hold<JobRecord[] | 'draining' | 'drained'>(
      // stopPod notifies the worker's stop key (PublishingStore.recordWorker): it must end this hold too.
      { wakeups, key, alsoKey: stop, waitMs: holdMs, now: this.ctx.now, signal },
      async (woken, turn) => {
        // A wake-up this take consumed but will not use is passed on, or a queued job waits a whole hold.
        const passOn = () => {
          if (woken) wakeups.notifyOne(key);
        };
        try {
          if (signal?.aborted) {
            passOn();
            return { done: true, value: [] };
          }
          // The store leases nothing to a draining worker, so the common case costs one store call.
          const jobs = await store.claim(endpointId, workerId, count, this.ctx.now());
          if (jobs.length > 0) return { done: true, value: jobs };
          // It gets no job, so a wake-up it took belongs to the next waiting worker.
          if ((await this.ctx.workers.getWorker(endpointId, workerId))?.draining) {
            passOn();
            return { done: true, value: turn === 0 ? 'draining' : 'drained' };
          }
          return { done: false, value: [] };
        } catch (err) {
          passOn();
          throw err;
        }
      },
    );
    // Draining when the hold began: it stops waiting on the queue but still sits out its hold (spec §6.2).
    // Started draining during this hold: answered at once, so runpod-python can exit.
    if (answer === 'draining') {
      await sleep(deadline - this.ctx.now(), signal);
      return [];
    }
    if (answer === 'drained') return [];
    if (answer.length > 0 && signal?.aborted) {
      await this.handBack(endpointId, workerId, answer);
      return [];
    }
    return answer;
  }

  /** Returns jobs whose take (or job-done `next`) answer never reached the worker to the head of the queue (spec §1.5). */
  async handBack(endpointId: string, workerId: string, jobs: JobRecord[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.ctx.store.unclaim(
      endpointId,
      workerId,
      jobs.map((job) => job.id),
    );
    this.ctx.log.warn(
      { endpointId, workerId, jobs: jobs.map((j) => j.id) },
      'take answer not delivered; jobs requeued at the head',
    );
  }

  /**
   * Holds until a stop is pending for the worker, then takes them all (spec §6.6). A worker that starts
   * draining (stopPod) during the hold is answered [] at once, so runpod-python can exit (spec §6.2).
   */
  async takeStops(endpointId: string, workerId: string, holdMs: number, signal?: AbortSignal): Promise<string[]> {
    const { workers, wakeups } = this.ctx;
    const key = stopKey(endpointId, workerId);
    return hold({ wakeups, key, waitMs: holdMs, now: this.ctx.now, signal }, async (_woken, turn) => {
      const stops = await workers.takeStops(endpointId, workerId);
      if (stops.length > 0) return { done: true, value: stops };
      // Only a later turn (a wake-up or recheck without a stop) costs this read: it may be the stopPod that began
      // the drain.
      const drained = turn > 0 && (await workers.getWorker(endpointId, workerId))?.draining === true;
      return { done: drained, value: [] };
    });
  }
}
