// What the job services share: the store contract, wake-ups, endpoint settings, a clock and a logger.
import type { Logger } from 'pino';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobStore } from '../store/job-store.js';
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
}

/**
 * Wakes whoever waits on a change of `job` from `previous`: readers of the job and its stream, a worker
 * to take it when it (re-)entered the queue, and its worker's job-stop poll when it was stopped while running.
 */
export function announce(ctx: JobContext, job: JobRecord, previous: JobStatus | undefined): void {
  const { wakeups } = ctx;
  wakeups.notifyAll(jobKey(job.endpointId, job.id));
  wakeups.notifyAll(streamKey(job.endpointId, job.id));
  if (job.status === 'IN_QUEUE' && previous !== 'IN_QUEUE') wakeups.notifyOne(queueKey(job.endpointId));
  if (isTerminal(job.status) && previous !== undefined && !isTerminal(previous)) {
    if (previous === 'IN_PROGRESS' && job.workerId !== undefined) {
      wakeups.notifyAll(stopKey(job.endpointId, job.workerId));
    }
    ctx.onTerminal?.(job);
  }
}
