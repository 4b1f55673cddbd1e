// What the job services share: the store contract, wake-ups, endpoint settings, a clock and a logger.
import type { Logger } from 'pino';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobStore, StoreSignal } from '../store/job-store.js';
import type { JobRecord } from '../store/job-record.js';
import type { JobStatus } from '@sluice/protocol';
import { isTerminal } from '@sluice/protocol';
import { jobKey, queueKey, stopKey, streamKey, type Wakeups } from './wakeups.js';

export interface JobContext {
  store: JobStore;
  wakeups: Wakeups;
  endpoint(endpointId: string): EndpointConfig | undefined;
  now(): number;
  log: Logger;
  /** Called after a job enters a terminal state (webhook outbox kick, metrics). */
  onTerminal?(job: JobRecord): void;
  /** Called when a worker post for a known job changed nothing (metrics). */
  onPostIgnored?(endpointId: string, reason: 'terminal' | 'not-leased'): void;
}

/**
 * Wakes whoever waits on a change of `job` from `previous` (undefined: just submitted): a worker to take it when
 * it (re-)entered the queue, readers of the job and its stream when it existed before, and its worker's
 * job-stop poll when the store queued a job-stop in the same step (`stopQueued`: cancel or timeout of a
 * running job, an invalid worker post). Nobody can be waiting on a job id before its submission is answered,
 * and a job-stop poll woken for nothing costs a store transaction per job, so neither is signalled needlessly.
 */
export function announce(ctx: JobContext, job: JobRecord, previous: JobStatus | undefined, stopQueued = false): void {
  const signals: StoreSignal[] = [];
  if (previous !== undefined) {
    signals.push({ kind: 'job', endpointId: job.endpointId, id: job.id });
    signals.push({ kind: 'stream', endpointId: job.endpointId, id: job.id });
  }
  if (job.status === 'IN_QUEUE' && previous !== 'IN_QUEUE')
    signals.push({ kind: 'queue', endpointId: job.endpointId, id: '' });
  if (stopQueued && job.workerId !== undefined) {
    signals.push({ kind: 'stop', endpointId: job.endpointId, id: job.workerId });
  }
  for (const signal of signals) {
    wake(ctx.wakeups, signal);
    ctx.store.signals?.publish(signal);
  }
  const enteredTerminal = isTerminal(job.status) && previous !== undefined && !isTerminal(previous);
  if (enteredTerminal) ctx.onTerminal?.(job);
}

/** Wakes the local long-polls a signal concerns (from this process or, through the store, another). */
export function wake(wakeups: Wakeups, signal: StoreSignal): void {
  switch (signal.kind) {
    case 'queue':
      return wakeups.notifyOne(queueKey(signal.endpointId));
    case 'job':
      return wakeups.notifyAll(jobKey(signal.endpointId, signal.id));
    case 'stream':
      return wakeups.notifyAll(streamKey(signal.endpointId, signal.id));
    case 'stop':
      return wakeups.notifyAll(stopKey(signal.endpointId, signal.id));
  }
}
