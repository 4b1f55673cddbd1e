// RedisJobStore: the JobStore contract on Redis, shared by any number of Sluice servers. Every transition is
// one Lua script (scripts/, one file per operation) over the keys of one endpoint (redis-keys.ts), so it is
// atomic and Cluster-safe; reads are single commands or MULTI blocks. Wake-ups between servers travel by
// pub/sub (redis-signals.ts). Operations that may touch unbounded numbers of jobs (expire, purgeQueue) run in
// bounded batches, each one atomic, so no script blocks Redis for long.
import { JobEvent, JobStatus, SluiceError, isSluiceError, type Json } from '@sluice/protocol';
import type { Redis } from 'ioredis';
import type { JobRecord } from '../job-record.js';
import type {
  AppendOptions,
  EnqueueOptions,
  EnqueueResult,
  ExpireResult,
  ExpiredJob,
  FinalResult,
  JobCounts,
  NewJob,
  PostOutcome,
  PurgeStep,
  QueueStats,
  StatusChange,
  StreamRead,
} from '../job-store.js';
import type { PingRecorded, PingUpdate, WorkerRecord, WorkerUpdate } from '../worker-registry.js';
import type { WebhookTakeLimits, WebhookDelivery } from '../webhook-outbox.js';
import type { SluiceStore } from '../sluice-store.js';
import {
  hashToDelivery,
  hashToJob,
  hashToWorker,
  newJobFields,
  optionalJson,
  replyToJob,
  replyToOutcome,
  toHash,
  workerChanges,
} from './record-mapping.js';
import { closeRedis, connectRedis, toStoreError, type SentinelOptions } from './redis-connection.js';
import { endpointKey, itemKey, signalsChannel } from './redis-keys.js';
import { RedisFleetRegistry } from './redis-fleet-registry.js';
import { RedisStoreSignals } from './redis-signals.js';
import { TurnPipeline } from './turn-pipeline.js';
import { ScriptRunner } from './script-runner.js';

export interface RedisJobStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  url: string;
  /** Namespace of every key and of the signals channel; servers sharing one prefix share their jobs. */
  prefix: string;
  /** Reach the master through Redis Sentinel instead of `url`'s host (which then gives credentials, db, TLS). */
  sentinel?: SentinelOptions;
}

/** Jobs one expire or purge script handles at most per rule: a few milliseconds of Redis time. */
const BATCH = 200;

/**
 * Connects (failing with ERR_UNAVAILABLE and a clear message when Redis is unreachable), registers the scripts
 * and subscribes to the signals channel. Afterwards the store reconnects by itself after an outage; calls
 * made meanwhile fail fast with ERR_UNAVAILABLE.
 */
export async function openRedisJobStore(options: RedisJobStoreOptions): Promise<RedisJobStore> {
  const commands = await connectRedis(options.url, 'commands', options.sentinel);
  let subscriber: Redis | undefined;
  try {
    subscriber = await connectRedis(options.url, 'signals', options.sentinel);
    const turn = new TurnPipeline(commands);
    const signals = new RedisStoreSignals(turn, subscriber, signalsChannel(options.prefix));
    await signals.start();
    const fleet = new RedisFleetRegistry(commands, options.prefix);
    return new RedisJobStore(new ScriptRunner(commands, turn, options.prefix), subscriber, signals, fleet);
  } catch (error) {
    await Promise.all([closeRedis(commands), subscriber && closeRedis(subscriber)]);
    throw toStoreError(error);
  }
}

export class RedisJobStore implements SluiceStore {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly runner: ScriptRunner,
    private readonly subscriber: Redis,
    readonly signals: RedisStoreSignals,
    /** Several servers on one prefix act as one worker fleet (fleet/cluster). */
    readonly fleet: RedisFleetRegistry,
  ) {}

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.signals.close();
      await Promise.all([closeRedis(this.runner.redis), closeRedis(this.subscriber)]);
    })();
    return this.closing;
  }

  checkWritable(now: number): Promise<void> {
    return this.run(() => this.runner.probeWrite(now));
  }

  // ── producer ───────────────────────────────────────────────────────────────
  enqueue(job: NewJob, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    return this.run(async () => {
      await this.runner.registerEndpoint(job.endpointId);
      const idem = options.idempotency;
      const [kind, flat] = (await this.runner.script(
        'enqueue',
        job.endpointId,
        job.id,
        options.maxQueueSize ?? '',
        idem === undefined ? '' : `${idem.scope}\n${idem.key}`,
        idem?.fingerprint ?? '',
        idem?.expiresAt ?? '',
        job.createdAt,
        ...newJobFields(job),
      )) as [string, unknown];
      return { job: replyToJob(flat), created: kind === 'created' };
    });
  }

  get(endpointId: string, id: string): Promise<JobRecord | undefined> {
    return this.run(async () => {
      const hash = await this.runner.command(this.runner.redis.hgetall(this.jobKey(endpointId, id)));
      return Object.keys(hash).length === 0 ? undefined : hashToJob(hash);
    });
  }

  cancel(endpointId: string, id: string, now: number): Promise<StatusChange | undefined> {
    return this.run(async () => {
      const reply = (await this.runner.script('cancel', endpointId, id, now, this.runner.nonce(endpointId))) as
        [JobStatus, unknown] | null;
      return reply === null ? undefined : { from: reply[0], job: replyToJob(reply[1]) };
    });
  }

  retry(endpointId: string, id: string, now: number): Promise<StatusChange | undefined> {
    return this.run(async () => {
      const reply = (await this.runner.script('retry', endpointId, id, now)) as [JobStatus, unknown] | null;
      return reply === null ? undefined : { from: reply[0], job: replyToJob(reply[1]) };
    });
  }

  purgeQueue(endpointId: string, now: number, max: number, cursor?: string): Promise<PurgeStep> {
    return this.run(async () => {
      const nonce = this.runner.nonce(endpointId);
      const [upTo, more, jobs] = (await this.runner.script(
        'purgeQueue',
        endpointId,
        now,
        nonce,
        Math.max(1, Math.min(max, BATCH)),
        cursor ?? '',
      )) as [string, number, unknown[]];
      const purged = jobs.map(replyToJob);
      return more === 1 ? { purged, next: upTo } : { purged };
    });
  }

  setTtlDeadline(endpointId: string, id: string, deadline: number, ttl?: number): Promise<JobRecord | undefined> {
    return this.run(async () => {
      const reply = await this.runner.script('setTtlDeadline', endpointId, id, deadline, ttl ?? '');
      return reply === null ? undefined : replyToJob(reply);
    });
  }

  // ── worker ─────────────────────────────────────────────────────────────────
  claim(endpointId: string, workerId: string, max: number, now: number): Promise<JobRecord[]> {
    return this.run(async () => {
      if (max <= 0) return [];
      const jobs = (await this.runner.script('claim', endpointId, workerId, max, now)) as unknown[];
      return jobs.map(replyToJob);
    });
  }

  unclaim(endpointId: string, workerId: string, ids: string[]): Promise<JobRecord[]> {
    return this.run(async () => {
      if (ids.length === 0) return [];
      const jobs = (await this.runner.script('unclaim', endpointId, workerId, ...ids)) as unknown[];
      return jobs.map(replyToJob);
    });
  }

  progress(endpointId: string, workerId: string, id: string, output: Json | undefined): Promise<PostOutcome> {
    return this.run(async () =>
      replyToOutcome(await this.runner.script('progress', endpointId, workerId, id, ...optionalJson(output))),
    );
  }

  finish(endpointId: string, workerId: string, id: string, result: FinalResult, now: number): Promise<PostOutcome> {
    return this.run(async () => {
      const event = result.status === JobStatus.COMPLETED ? JobEvent.COMPLETE : JobEvent.FAIL;
      const error = result.error === undefined ? ['0', ''] : ['1', result.error];
      const flags = [result.streaming === true ? '1' : '0', result.stopWorker === true ? '1' : '0'];
      const nonce = this.runner.nonce(endpointId);
      const args = [workerId, id, event, ...optionalJson(result.output), ...error, ...flags, now, nonce];
      return replyToOutcome(await this.runner.script('finish', endpointId, ...args));
    });
  }

  appendStream(
    endpointId: string,
    workerId: string,
    id: string,
    item: Json,
    options: AppendOptions = {},
  ): Promise<PostOutcome> {
    return this.run(async () =>
      replyToOutcome(
        await this.runner.script(
          'appendStream',
          endpointId,
          workerId,
          id,
          JSON.stringify(item),
          options.seq ?? '',
          options.maxBufferBytes ?? '',
        ),
      ),
    );
  }

  readStream(endpointId: string, id: string, max: number): Promise<StreamRead | undefined> {
    return this.run(async () => {
      const reply = (await this.runner.script('readStream', endpointId, id, Math.max(0, max))) as
        [unknown, string[], number] | null;
      if (reply === null) return undefined;
      const [flat, items, takenBefore] = reply;
      return { job: replyToJob(flat), items: items.map((item) => JSON.parse(item) as Json), firstSeq: takenBefore + 1 };
    });
  }

  unreadStream(endpointId: string, id: string, firstSeq: number, items: Json[]): Promise<boolean> {
    return this.run(async () => {
      if (items.length === 0) return false;
      // LPUSH puts its last argument first: the items go in reversed to come out in their order.
      const texts = items.map((item) => JSON.stringify(item)).reverse();
      return (await this.runner.script('unreadStream', endpointId, id, firstSeq, ...texts)) === 1;
    });
  }

  takeStops(endpointId: string, workerId: string): Promise<string[]> {
    return this.run(async () => (await this.runner.script('takeStops', endpointId, workerId)) as string[]);
  }

  requestStop(endpointId: string, workerId: string, jobId: string): Promise<void> {
    return this.run(async () => {
      await this.runner.script('requestStop', endpointId, workerId, jobId);
    });
  }

  leasedJobs(endpointId: string, workerId: string): Promise<JobRecord[]> {
    return this.run(async () =>
      ((await this.runner.script('leasedJobs', endpointId, workerId)) as unknown[]).map(replyToJob),
    );
  }

  // ── workers ────────────────────────────────────────────────────────────────
  recordWorker(endpointId: string, workerId: string, update: WorkerUpdate, now: number): Promise<WorkerRecord> {
    return this.run(async () => {
      const { set, del } = workerChanges(update, now);
      const [flat, inFlight] = (await this.runner.script(
        'recordWorker',
        endpointId,
        workerId,
        now,
        set.length / 2,
        ...set,
        ...del,
      )) as [unknown, number];
      return hashToWorker(endpointId, workerId, toHash(flat), inFlight);
    });
  }

  recordPing(endpointId: string, workerId: string, ping: PingUpdate, now: number): Promise<PingRecorded> {
    return this.run(async () => {
      const { set } = workerChanges(
        { seen: true, label: ping.label, ping: { jobIds: ping.jobIds, version: ping.version } },
        now,
      );
      const [flat, inFlight, ...leases] = (await this.runner.script(
        'recordPing',
        endpointId,
        workerId,
        now,
        ping.intervalMs,
        ping.jobIds.length,
        ...ping.jobIds,
        set.length / 2,
        ...set,
      )) as [unknown, number, ...[unknown, number, number, number][]];
      return {
        worker: hashToWorker(endpointId, workerId, toHash(flat), inFlight),
        leases: leases.map(([job, listed, missed, lacking]) => ({
          job: replyToJob(job),
          listed: listed === 1,
          missedSinceListed: missed,
          lackingSinceLease: lacking,
        })),
      };
    });
  }

  getWorker(endpointId: string, workerId: string): Promise<WorkerRecord | undefined> {
    return this.run(async () => (await this.readWorkers(endpointId, [workerId]))[0]);
  }

  listWorkers(endpointId: string): Promise<WorkerRecord[]> {
    return this.run(async () => {
      const ids = await this.runner.command(
        this.runner.redis.smembers(endpointKey(this.runner.tag(endpointId), 'workers')),
      );
      return this.readWorkers(endpointId, ids.sort());
    });
  }

  removeWorker(endpointId: string, workerId: string): Promise<void> {
    return this.run(async () => {
      await this.runner.script('removeWorker', endpointId, workerId);
    });
  }

  // ── reader ─────────────────────────────────────────────────────────────────
  counts(endpointId: string): Promise<JobCounts> {
    return this.run(async () => {
      const { IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, TIMED_OUT } = JobStatus;
      const fields = [IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, TIMED_OUT, 'retried'];
      const key = endpointKey(this.runner.tag(endpointId), 'counts');
      const [inQueue, inProgress, completed, failed, timedOut, retried] = (
        await this.runner.command(this.runner.redis.hmget(key, ...fields))
      ).map((n) => Number(n ?? 0));
      return {
        inQueue: inQueue ?? 0,
        inProgress: inProgress ?? 0,
        completed: completed ?? 0,
        failed: (failed ?? 0) + (timedOut ?? 0),
        retried: retried ?? 0,
      };
    });
  }

  queueStats(endpointId: string): Promise<QueueStats> {
    return this.run(async () => {
      const tag = this.runner.tag(endpointId);
      const normal = endpointKey(tag, 'queuedNormal');
      const multi = this.runner.redis
        .multi()
        .zcard(endpointKey(tag, 'queue'))
        .zcard(normal)
        .zrange(normal, '0', '0', 'WITHSCORES');
      const [queued, queuedNormal, oldest] = await this.runner.execMulti(multi);
      const oldestAt = (oldest as string[])[1];
      return {
        queued: Number(queued),
        queuedNormal: Number(queuedNormal),
        ...(oldestAt === undefined ? {} : { oldestNormalQueuedAt: Number(oldestAt) }),
      };
    });
  }

  // ── maintenance ────────────────────────────────────────────────────────────
  expire(now: number): Promise<ExpireResult> {
    return this.run(async () => {
      const timedOut: ExpiredJob[] = [];
      let deleted = 0;
      await Promise.all(
        (await this.runner.endpoints()).map(async (endpointId) => {
          for (;;) {
            const [jobs, removed, more] = (await this.runner.script(
              'expire',
              endpointId,
              now,
              BATCH,
              this.runner.nonce(endpointId),
            )) as [[JobStatus, unknown][], number, number];
            for (const [previous, flat] of jobs) timedOut.push({ from: previous, job: replyToJob(flat) });
            deleted += removed;
            if (more !== 1) return;
          }
        }),
      );
      return { timedOut, deleted };
    });
  }

  reclaim(
    endpointId: string,
    workerId: string,
    jobIds: string[] | 'all',
    maxReclaims: number,
    error: string,
    now: number,
  ): Promise<JobRecord[]> {
    return this.run(async () => {
      const which = jobIds === 'all' ? ['all'] : ['ids', ...jobIds];
      const nonce = this.runner.nonce(endpointId);
      const jobs = (await this.runner.script(
        'reclaim',
        endpointId,
        workerId,
        maxReclaims,
        error,
        now,
        nonce,
        ...which,
      )) as unknown[];
      return jobs.map(replyToJob);
    });
  }

  // ── webhook outbox ─────────────────────────────────────────────────────────
  takeDueWebhooks(now: number, max: number, leaseMs: number, limits?: WebhookTakeLimits): Promise<WebhookDelivery[]> {
    return this.run(async () => {
      const taken: WebhookDelivery[] = [];
      for (const endpointId of await this.runner.endpoints()) {
        if (taken.length >= max) break;
        const share = limits ? limits.maxPerEndpoint - (limits.inFlight.get(endpointId) ?? 0) : Infinity;
        const count = Math.min(max - taken.length, share);
        if (count <= 0) continue;
        const reply = (await this.runner.script('takeWebhooks', endpointId, now, count, leaseMs)) as [
          string,
          unknown,
        ][];
        for (const [id, flat] of reply) taken.push(hashToDelivery(id, toHash(flat)));
      }
      return taken;
    });
  }

  settleWebhook(id: string, outcome: { done: true } | { done: false; retryAt: number }): Promise<void> {
    return this.run(async () => {
      const endpointId = this.runner.endpointOfDelivery(id);
      if (endpointId === undefined) return;
      const retryAt = outcome.done ? '' : outcome.retryAt;
      await this.runner.script('settleWebhook', endpointId, id, outcome.done ? '1' : '0', retryAt);
    });
  }

  // ── internals ──────────────────────────────────────────────────────────────
  private jobKey(endpointId: string, id: string): string {
    return itemKey(this.runner.tag(endpointId), 'job', id);
  }

  /** Workers with their in-flight counts, read in one MULTI; unknown ids are left out. */
  private async readWorkers(endpointId: string, workerIds: string[]): Promise<WorkerRecord[]> {
    if (workerIds.length === 0) return [];
    const tag = this.runner.tag(endpointId);
    const multi = this.runner.redis.multi();
    for (const id of workerIds) multi.hgetall(itemKey(tag, 'worker', id)).scard(itemKey(tag, 'leased', id));
    const replies = await this.runner.execMulti(multi);
    const workers: WorkerRecord[] = [];
    workerIds.forEach((workerId, i) => {
      const fields = replies[2 * i] as Record<string, string> | undefined;
      if (fields !== undefined && Object.keys(fields).length > 0) {
        workers.push(hashToWorker(endpointId, workerId, fields, Number(replies[2 * i + 1])));
      }
    });
    return workers;
  }

  /** The boundary of every method: closed → ERR_UNAVAILABLE; Sluice errors pass; anything else is internal. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw new SluiceError('ERR_UNAVAILABLE');
    try {
      return await fn();
    } catch (error) {
      if (isSluiceError(error)) throw error;
      throw new SluiceError('ERR_INTERNAL', { cause: error });
    }
  }
}
