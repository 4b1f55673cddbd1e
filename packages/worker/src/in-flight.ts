// The jobs this worker is running: their abort controllers, and waits for "a slot freed" or "all done".
import { Wakeup } from './sleep.js';

interface RunningJob {
  controller: AbortController;
}

/**
 * Shared by the job loop (capacity), the stop loop (aborts by id) and the pinger (`job_id`). A job is
 * in flight from its take until its final post settles, as in runpod-python's JobsProgress, so pings
 * keep listing it while its result is still being delivered.
 */
export class InFlightJobs {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly changed = new Wakeup();
  private readonly listeners = new Set<() => void>();

  get size(): number {
    return this.jobs.size;
  }

  has(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  /** Registers a job and returns the signal its handler receives. */
  add(jobId: string): AbortSignal {
    const controller = new AbortController();
    this.jobs.set(jobId, { controller });
    this.emitChange();
    return controller.signal;
  }

  remove(jobId: string): void {
    if (!this.jobs.delete(jobId)) return;
    this.changed.notify();
    this.emitChange();
  }

  /**
   * Calls `listener` after every add and remove, so the pinger can hand its thread the new `job_id` list.
   * Separate from `waitForChange`, which wakes the loops on removals only (a slot freed, a job done).
   * Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fires the job's signal; returns false when the job is not running here. */
  abort(jobId: string, reason: unknown): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    job.controller.abort(reason);
    return true;
  }

  abortAll(reason: unknown): void {
    for (const job of this.jobs.values()) job.controller.abort(reason);
  }

  /** Resolves when a job leaves, after `timeoutMs` if given, or when `signal` aborts. */
  waitForChange(timeoutMs?: number, signal?: AbortSignal): Promise<void> {
    return this.changed.wait(timeoutMs, signal);
  }

  /** Resolves once no job is left, or early when `signal` aborts. */
  async whenEmpty(signal?: AbortSignal): Promise<void> {
    while (this.jobs.size > 0 && !signal?.aborted) await this.changed.wait(undefined, signal);
  }

  private emitChange(): void {
    for (const listener of this.listeners) listener();
  }
}
