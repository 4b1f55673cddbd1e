// The one place that turns store transitions into wake-ups: a JobStore and WorkerRegistry that forwards every
// call to the real store and, after each step that changed a job, wakes the local long-polls it concerns,
// broadcasts the signal to other servers, and runs the terminal hook. Services call the store and never announce
// anything. The webhook outbox, checkWritable and close publish nothing: callers use the bare store for those.
import type { Json, JobStatus } from '@sluice/protocol';
import { isTerminal } from '@sluice/protocol';
import type { JobRecord, NewJob } from '../store/job-record.js';
import type {
  AppendOptions,
  EnqueueOptions,
  EnqueueResult,
  ExpireResult,
  FinalResult,
  JobCounts,
  JobStore,
  PostOutcome,
  PurgeStep,
  QueueStats,
  StatusChange,
  StreamRead,
  Transition,
} from '../store/job-store.js';
import type { PingRecorded, PingUpdate, WorkerRecord, WorkerRegistry, WorkerUpdate } from '../store/worker-registry.js';
import type { SluiceStore } from '../store/sluice-store.js';
import type { StoreSignal } from '../store/store-signals.js';
import { changeKey, jobKey, queueKey, stopKey, streamKey, type Wakeups } from './wakeups.js';

/** A transition with what else the step did, besides the status change the record shows. */
export interface Published extends Transition {
  /** The worker whose job-stop the step queued (cancel or timeout of a running job, an invalid post). */
  stopFor?: string;
  /** A stream item was appended. */
  streamed?: boolean;
  /** A local job-take waiter was already woken for this new job (PublishingStore.enqueue): wake no other. */
  takeWoken?: boolean;
}

/** What PublishingStore wraps: the contracts whose steps publish, and the signals it publishes through. */
export type PublishableStore = JobStore & WorkerRegistry & Pick<SluiceStore, 'signals' | 'ordersTurnWrites'>;

export interface PublishHooks {
  wakeups: Wakeups;
  /** Called after a job enters a terminal state (webhook outbox kick, fleet, metrics). */
  onTerminal?(job: JobRecord): void;
  /** Called after a job entered the queue (submitted, retried, requeued): a fleet at zero workers starts one now. */
  onQueued?(job: JobRecord): void;
  /** Called after every published transition, once its wake-ups are out (the job history records it). */
  onTransition?(change: Published): void;
}

/**
 * Wakes whoever waits on `change`, and only them, since each needless wake-up costs a store read and, on
 * Redis, a PUBLISH: a worker to take the job when it (re-)entered the queue; readers of its outcome and
 * stream (runsync, status-sync, stream) when it reached a terminal state; stream readers when an item was
 * appended; its worker's job-stop poll when a stop was queued.
 */
export function publishTransition(store: Pick<SluiceStore, 'signals'>, hooks: PublishHooks, change: Published): void {
  const { job, from } = change;
  const { endpointId, id } = job;
  const signals: StoreSignal[] = [];
  const enteredTerminal = isTerminal(job.status) && from !== undefined && !isTerminal(from);
  const enteredQueue = job.status === 'IN_QUEUE' && from !== 'IN_QUEUE';
  if (enteredTerminal) signals.push({ kind: 'job', endpointId, id });
  else if (change.streamed) signals.push({ kind: 'stream', endpointId, id });
  if (enteredQueue) signals.push({ kind: 'queue', endpointId, id: '' });
  if (change.stopFor !== undefined) signals.push({ kind: 'stop', endpointId, id: change.stopFor });
  for (const signal of signals) {
    if (!(signal.kind === 'queue' && change.takeWoken === true)) wake(hooks.wakeups, signal);
    store.signals?.publish(signal);
  }
  // SSE watchers follow every change, progress included; local only (costs nothing when nobody watches):
  // watchers on other servers re-read the store each second and hear terminal states through 'job'. The
  // 'job' and 'stream' signals above already woke them through wake().
  if (from !== undefined && !enteredTerminal && !change.streamed) hooks.wakeups.notifyAll(changeKey(endpointId, id));
  if (enteredTerminal) hooks.onTerminal?.(job);
  if (enteredQueue) hooks.onQueued?.(job);
  hooks.onTransition?.(change);
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

/** A running job that leaves for a terminal state by cancel or timeout gets a job-stop (the store's contract). */
function stopOnLeave(change: StatusChange): Published {
  const stopped = change.from === 'IN_PROGRESS' && change.job.status !== 'IN_PROGRESS';
  return stopped && change.job.workerId !== undefined ? { ...change, stopFor: change.job.workerId } : change;
}

export class PublishingStore implements JobStore, WorkerRegistry {
  constructor(
    private readonly inner: PublishableStore,
    private readonly hooks: PublishHooks,
  ) {}

  // Optional capabilities pass through untouched: code that checks for one must see the inner store's.
  get fleet() {
    return this.inner.fleet;
  }

  async enqueue(job: NewJob, options?: EnqueueOptions): Promise<EnqueueResult> {
    const written = this.inner.enqueue(job, options);
    // On a store that orders a turn's writes into one commit, a worker woken now claims after this insert in that
    // same commit, and its take is answered only once both are durable. A replay or a refusal wakes it for
    // nothing: its claim finds no job and it waits again.
    const takeWoken = this.inner.ordersTurnWrites === true;
    if (takeWoken) this.hooks.wakeups.notifyOne(queueKey(job.endpointId));
    const result = await written;
    if (result.created) this.publish({ job: result.job, from: undefined, takeWoken });
    return result;
  }

  get(endpointId: string, id: string): Promise<JobRecord | undefined> {
    return this.inner.get(endpointId, id);
  }

  async cancel(endpointId: string, id: string, now: number): Promise<StatusChange | undefined> {
    const change = await this.inner.cancel(endpointId, id, now);
    if (change && change.from !== change.job.status) this.publish(stopOnLeave(change));
    return change;
  }

  async retry(endpointId: string, id: string, now: number): Promise<StatusChange | undefined> {
    const change = await this.inner.retry(endpointId, id, now);
    if (change) this.publish(change);
    return change;
  }

  async purgeQueue(endpointId: string, now: number, max: number, cursor?: string): Promise<PurgeStep> {
    const step = await this.inner.purgeQueue(endpointId, now, max, cursor);
    this.publishAll(step.purged, 'IN_QUEUE');
    return step;
  }

  setTtlDeadline(endpointId: string, id: string, deadline: number, ttl?: number): Promise<JobRecord | undefined> {
    return this.inner.setTtlDeadline(endpointId, id, deadline, ttl);
  }

  async claim(endpointId: string, workerId: string, max: number, now: number): Promise<JobRecord[]> {
    return this.publishAll(await this.inner.claim(endpointId, workerId, max, now), 'IN_QUEUE');
  }

  async unclaim(endpointId: string, workerId: string, ids: string[]): Promise<JobRecord[]> {
    return this.publishAll(await this.inner.unclaim(endpointId, workerId, ids), 'IN_PROGRESS');
  }

  async progress(endpointId: string, workerId: string, id: string, output: Json | undefined): Promise<PostOutcome> {
    const outcome = await this.inner.progress(endpointId, workerId, id, output);
    if (outcome.kind === 'applied') this.publish({ job: outcome.job, from: 'IN_PROGRESS' });
    return outcome;
  }

  async finish(endpointId: string, workerId: string, id: string, result: FinalResult, now: number) {
    const outcome = await this.inner.finish(endpointId, workerId, id, result, now);
    // An applied final post ends a live job: IN_PROGRESS, or IN_QUEUE after a reclaim, which the store
    // accepts as if it were still IN_PROGRESS with its last holder.
    if (outcome.kind === 'applied') {
      const stopFor = result.stopWorker === true ? workerId : undefined;
      this.publish({ job: outcome.job, from: 'IN_PROGRESS', ...(stopFor === undefined ? {} : { stopFor }) });
    }
    return outcome;
  }

  async appendStream(
    endpointId: string,
    workerId: string,
    id: string,
    item: Json,
    options?: AppendOptions,
  ): Promise<PostOutcome> {
    const outcome = await this.inner.appendStream(endpointId, workerId, id, item, options);
    // A duplicate or a refused item appended nothing: nobody has anything new to read.
    if (outcome.kind === 'applied') this.publish({ job: outcome.job, from: 'IN_PROGRESS', streamed: true });
    return outcome;
  }

  readStream(endpointId: string, id: string, max: number): Promise<StreamRead | undefined> {
    return this.inner.readStream(endpointId, id, max);
  }

  async unreadStream(endpointId: string, id: string, firstSeq: number, items: Json[]): Promise<boolean> {
    const putBack = await this.inner.unreadStream(endpointId, id, firstSeq, items);
    // Items undelivered again: another reader holding the stream may take them.
    if (putBack) this.signal({ kind: 'stream', endpointId, id });
    return putBack;
  }

  takeStops(endpointId: string, workerId: string): Promise<string[]> {
    return this.inner.takeStops(endpointId, workerId);
  }

  async requestStop(endpointId: string, workerId: string, jobId: string): Promise<void> {
    await this.inner.requestStop(endpointId, workerId, jobId);
    this.signal({ kind: 'stop', endpointId, id: workerId });
  }

  leasedJobs(endpointId: string, workerId: string): Promise<JobRecord[]> {
    return this.inner.leasedJobs(endpointId, workerId);
  }

  async recordWorker(endpointId: string, workerId: string, update: WorkerUpdate, now: number): Promise<WorkerRecord> {
    const worker = await this.inner.recordWorker(endpointId, workerId, update, now);
    // A worker that starts draining (stopPod) gets no more jobs: the job-take and job-stop polls it holds, here
    // or on another server, listen on its stop key and answer at once, so runpod-python can exit (spec §6.2).
    if (update.draining === true) this.signal({ kind: 'stop', endpointId, id: workerId });
    return worker;
  }

  recordPing(endpointId: string, workerId: string, ping: PingUpdate, now: number): Promise<PingRecorded> {
    return this.inner.recordPing(endpointId, workerId, ping, now);
  }

  getWorker(endpointId: string, workerId: string): Promise<WorkerRecord | undefined> {
    return this.inner.getWorker(endpointId, workerId);
  }

  listWorkers(endpointId: string): Promise<WorkerRecord[]> {
    return this.inner.listWorkers(endpointId);
  }

  removeWorker(endpointId: string, workerId: string): Promise<void> {
    return this.inner.removeWorker(endpointId, workerId);
  }

  counts(endpointId: string): Promise<JobCounts> {
    return this.inner.counts(endpointId);
  }

  queueStats(endpointId: string): Promise<QueueStats> {
    return this.inner.queueStats(endpointId);
  }

  async expire(now: number): Promise<ExpireResult> {
    const result = await this.inner.expire(now);
    for (const change of result.timedOut) this.publish(stopOnLeave(change));
    return result;
  }

  async reclaim(
    endpointId: string,
    workerId: string,
    jobIds: string[] | 'all',
    maxReclaims: number,
    error: string,
    now: number,
  ): Promise<JobRecord[]> {
    return this.publishAll(
      await this.inner.reclaim(endpointId, workerId, jobIds, maxReclaims, error, now),
      'IN_PROGRESS',
    );
  }

  /** Wakes the local long-polls `signal` concerns and sends it to the other servers. */
  private signal(signal: StoreSignal): void {
    wake(this.hooks.wakeups, signal);
    this.inner.signals?.publish(signal);
  }

  private publish(change: Published): void {
    publishTransition(this.inner, this.hooks, change);
  }

  private publishAll(jobs: JobRecord[], from: JobStatus): JobRecord[] {
    for (const job of jobs) this.publish({ job, from });
    return jobs;
  }
}
