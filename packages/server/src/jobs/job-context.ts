// What the job services share: the job store and worker registry contracts, wake-ups, endpoint settings, a clock and a logger.
import type { Logger } from 'pino';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobStore } from '../store/job-store.js';
import type { WorkerRegistry } from '../store/worker-registry.js';
import type { JobRecord } from '../store/job-record.js';
import type { HistoryRecorder } from './history-recorder.js';
import type { JobLogs } from './job-logs.js';
import type { OutageLog } from './outage-log.js';
import { PublishingStore, type PublishableStore, type Published } from './publishing-store.js';
import type { Wakeups } from './wakeups.js';

export interface JobContext {
  /** The store wrapped by PublishingStore: every transition it makes wakes whoever waits on it. */
  store: JobStore;
  /** The same wrapper as the worker registry: a worker set draining, or a stop requested, wakes its polls. */
  workers: WorkerRegistry;
  wakeups: Wakeups;
  endpoint(endpointId: string): EndpointConfig | undefined;
  now: () => number;
  log: Logger;
  /** Makes the id of a new job (job-ids.ts); absent: version 7 UUIDs on `now`. */
  newJobId?: (sync: boolean) => string;
  /** Store outages logged once per incident (outage-log.ts); absent in unit tests of a single component. */
  outages?: OutageLog;
  /** Called when a worker post for a known job changed nothing (metrics). */
  onPostIgnored?(endpointId: string, reason: 'terminal' | 'not-leased'): void;
  /** Called when jobs were leased to a worker: by a job-take, or with a result answer (`next`) (metrics). */
  onDispatched?(endpointId: string, via: 'take' | 'next', count: number): void;
  /** Job history, when the server keeps it: PublishingStore records every transition into it. */
  history?: HistoryRecorder;
  /** Worker log lines, when the server keeps them. */
  logs?: JobLogs;
}

export interface JobContextOptions extends Omit<JobContext, 'store' | 'workers'> {
  /** The bare store; the context publishes its transitions. */
  store: PublishableStore;
  /** Called after a job enters a terminal state (webhook outbox kick, fleet, metrics). */
  onTerminal?: (job: JobRecord) => void;
  /** Called after a job entered the queue (the fleet's cold start). */
  onQueued?: (job: JobRecord) => void;
  /** Called after every published transition (the job history). */
  onTransition?: (change: Published) => void;
}

export function createJobContext(options: JobContextOptions): JobContext {
  const { store, onTerminal, onQueued, onTransition, ...rest } = options;
  const published = new PublishingStore(store, { wakeups: rest.wakeups, onTerminal, onQueued, onTransition });
  return { ...rest, store: published, workers: published };
}
