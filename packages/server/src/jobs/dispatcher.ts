// Hands queued jobs to long-polling workers (job-take, job-take-batch) and pending stops to job-stop polls.
// A job enqueued while a worker waits is claimed by that worker at once: enqueue notifies the queue key,
// which wakes the longest-waiting take (no polling interval on this path).
import { DEFAULTS } from '@sluice/protocol';
import type { JobRecord } from '../store/job-record.js';
import { announce, type JobContext } from './job-context.js';
import { queueKey, stopKey } from './wakeups.js';
import { sleep } from './sleep.js';

export class Dispatcher {
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
    const { store, wakeups } = this.ctx;
    const count = Math.max(1, Math.min(max, DEFAULTS.maxBatchSize));
    const key = queueKey(endpointId);
    const deadline = Date.now() + holdMs;
    let woken = false;
    for (let first = true; ; first = false) {
      const seq = wakeups.seq(key);
      // stopPod notifies the worker's stop key (see WorkerPosts): it must end this hold too.
      const stopSeq = wakeups.seq(stopKey(endpointId, workerId));
      // A wake-up this take consumed but will not use is passed on, or a queued job waits a whole hold.
      const passOn = () => {
        if (woken) wakeups.notifyOne(key);
      };
      if (signal?.aborted) {
        passOn();
        return [];
      }
      let jobs: JobRecord[];
      try {
        // The store leases nothing to a draining worker, so the common case costs one store call.
        jobs = await store.claim(endpointId, workerId, count, this.ctx.now());
      } catch (err) {
        passOn();
        throw err;
      }
      if (jobs.length > 0) {
        if (signal?.aborted) {
          await this.handBack(endpointId, workerId, jobs);
          return [];
        }
        for (const job of jobs) announce(this.ctx, job, 'IN_QUEUE');
        return jobs;
      }
      let worker;
      try {
        worker = await store.getWorker(endpointId, workerId);
      } catch (err) {
        passOn();
        throw err;
      }
      if (worker?.draining) {
        // It gets no job, so a wake-up it took belongs to the next waiting worker; it stops waiting on the queue.
        passOn();
        if (first) await sleep(deadline - Date.now(), signal);
        return [];
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return [];
      woken = await this.waitForQueueOrStop(key, seq, stopKey(endpointId, workerId), stopSeq, left, signal);
    }
  }

  /** Waits on the queue key like Wakeups.wait, but a notify of the worker's stop key ends the wait too. */
  private async waitForQueueOrStop(
    key: string,
    seq: number,
    stop: string,
    stopSeq: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const ended = new AbortController();
    const either = signal ? AbortSignal.any([signal, ended.signal]) : ended.signal;
    const stopped = this.ctx.wakeups.wait(stop, stopSeq, timeoutMs, either).then((hit) => {
      if (hit) ended.abort();
    });
    const woken = await this.ctx.wakeups.wait(key, seq, timeoutMs, either);
    ended.abort();
    await stopped;
    return woken;
  }

  /** Returns jobs whose take answer never reached the worker to the head of the queue (spec §1.5). */
  async handBack(endpointId: string, workerId: string, jobs: JobRecord[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.ctx.store.unclaim(
      endpointId,
      workerId,
      jobs.map((job) => job.id),
    );
    for (const job of jobs) {
      const after = await this.ctx.store.get(endpointId, job.id);
      if (after) announce(this.ctx, after, 'IN_PROGRESS');
    }
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
    const { store, wakeups } = this.ctx;
    const key = stopKey(endpointId, workerId);
    const deadline = Date.now() + holdMs;
    for (let first = true; ; first = false) {
      const seq = wakeups.seq(key);
      const stops = await store.takeStops(endpointId, workerId);
      if (stops.length > 0) return stops;
      // Only a wake-up without a stop costs this read: it may be the stopPod that began the drain.
      if (!first && (await store.getWorker(endpointId, workerId))?.draining) return [];
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted) return [];
      await wakeups.wait(key, seq, left, signal);
    }
  }
}
