// What the job services share: the store contract, wake-ups, endpoint settings, a clock and a logger.
import type { Logger } from 'pino';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobStore, StoreSignal } from '../store/job-store.js';
import type { JobRecord } from '../store/job-record.js';
import type { JobStatus } from '@sluice/protocol';
import { isTerminal } from '@sluice/protocol';
import type { HistoryRecorder } from './history-recorder.js';
import type { JobLogs } from './job-logs.js';
import { changeKey, jobKey, queueKey, stopKey, streamKey, type Wakeups } from './wakeups.js';

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
  /** Job history, when the server keeps it: every announced change is recorded. */
  history?: HistoryRecorder;
  /** Worker log lines, when the server keeps them. */
  logs?: JobLogs;
}

/** What else a transition did, besides the status change `announce` sees in the record. */
export interface AnnouncedChange {
  /** The store queued a job-stop for the job's worker (cancel or timeout of a running job, an invalid post). */
  stopQueued?: boolean;
  /** A stream item was appended. */
  streamed?: boolean;
}

/**
 * Wakes whoever waits on the change of `job` from `previous` (undefined: just submitted), and only them, since
 * each needless wake-up costs a store read and, on Redis, a PUBLISH: a worker to take it when it (re-)entered
 * the queue; readers of its outcome and stream (runsync, status-sync, stream) when it reached a terminal
 * state; stream readers when an item was appended; its worker's job-stop poll when a stop was queued.
 */
export function announce(
  ctx: JobContext,
  job: JobRecord,
  previous: JobStatus | undefined,
  change: AnnouncedChange = {},
): void {
  const { endpointId, id } = job;
  const signals: StoreSignal[] = [];
  const enteredTerminal = isTerminal(job.status) && previous !== undefined && !isTerminal(previous);
  if (enteredTerminal) signals.push({ kind: 'job', endpointId, id });
  else if (change.streamed) signals.push({ kind: 'stream', endpointId, id });
  if (job.status === 'IN_QUEUE' && previous !== 'IN_QUEUE') signals.push({ kind: 'queue', endpointId, id: '' });
  if (change.stopQueued && job.workerId !== undefined) signals.push({ kind: 'stop', endpointId, id: job.workerId });
  for (const signal of signals) {
    wake(ctx.wakeups, signal);
    ctx.store.signals?.publish(signal);
  }
  // SSE watchers follow every change, progress included; local only (costs nothing when nobody watches):
  // watchers on other servers re-read the store each second and hear terminal states through 'job'. The
  // 'job' and 'stream' signals above already woke them through wake().
  if (previous !== undefined && !enteredTerminal && !change.streamed) ctx.wakeups.notifyAll(changeKey(endpointId, id));
  if (enteredTerminal) ctx.onTerminal?.(job);
  ctx.history?.record(job, previous, change);
}

/** Wakes the local long-polls a signal concerns (from this process or, through the store, another). */
export function wake(wakeups: Wakeups, signal: StoreSignal): void {
  switch (signal.kind) {
    case 'queue':
      return wakeups.notifyOne(queueKey(signal.endpointId));
    case 'job':
      // A terminal job ends stream reads as well as waits for its outcome.
      wakeups.notifyAll(jobKey(signal.endpointId, signal.id));
      wakeups.notifyAll(changeKey(signal.endpointId, signal.id));
      return wakeups.notifyAll(streamKey(signal.endpointId, signal.id));
    case 'stream':
      wakeups.notifyAll(changeKey(signal.endpointId, signal.id));
      return wakeups.notifyAll(streamKey(signal.endpointId, signal.id));
    case 'stop':
      return wakeups.notifyAll(stopKey(signal.endpointId, signal.id));
  }
}
