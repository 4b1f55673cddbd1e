// RedisJobLogStore: the JobLogStore contract on Redis: a capped list per job and per worker, trimmed in the
// same script that appends (history-scripts.ts LOG_APPEND); retention is Redis key expiry, so `trim` has
// nothing to do.
import type { Redis } from 'ioredis';
import {
  LOG_JOB_MAX_BYTES,
  LOG_JOB_MAX_LINES,
  LOG_WORKER_MAX_LINES,
  type JobLogMark,
  type JobLogStore,
  type LogEntry,
  type LogRead,
  type LogRetention,
  type StoredLogEntry,
} from '../job-log-store.js';
import { LOG_APPEND } from './history-scripts.js';
import { closeRedis, connectRedis, toStoreError } from './redis-connection.js';
import type { RedisSideStoreOptions } from './redis-job-history.js';
import { endpointTag } from './redis-keys.js';

type LogCommands = Redis & { sluiceLogAppend(tag: string, ...args: string[]): Promise<number> };

const jobOwner = (jobId: string) => `job:${jobId}`;
const workerOwner = (workerId: string) => `worker:${workerId}`;

export async function openRedisJobLogStore(options: RedisSideStoreOptions): Promise<RedisJobLogStore> {
  const redis = await connectRedis(options.url, 'logs', options.sentinel);
  redis.defineCommand('sluiceLogAppend', { numberOfKeys: 1, lua: LOG_APPEND });
  return new RedisJobLogStore(redis as LogCommands, options.prefix);
}

export class RedisJobLogStore implements JobLogStore {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly redis: LogCommands,
    private readonly prefix: string,
  ) {}

  async append(endpointId: string, entries: LogEntry[], retention: LogRetention): Promise<void> {
    if (entries.length === 0) return;
    const args: string[] = [String(entries.length)];
    for (const entry of entries) {
      const bytes = Buffer.byteLength(entry.message, 'utf8');
      // `bytes` first: the script reads it back with a pattern when a cap drops the line.
      args.push(JSON.stringify({ bytes, ...entry }), String(bytes));
      args.push([workerOwner(entry.workerId), ...(entry.jobId === undefined ? [] : [jobOwner(entry.jobId)])].join(' '));
    }
    args.push(String(LOG_JOB_MAX_LINES), String(LOG_JOB_MAX_BYTES), String(LOG_WORKER_MAX_LINES));
    args.push(retention.jobMs === undefined ? '' : String(retention.jobMs), String(retention.workerMs));
    try {
      await this.redis.sluiceLogAppend(endpointTag(this.prefix, endpointId), ...args);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  readJob(endpointId: string, jobId: string, after = 0): Promise<LogRead> {
    return this.read(endpointId, jobOwner(jobId), after);
  }

  readWorker(endpointId: string, workerId: string, after = 0): Promise<LogRead> {
    return this.read(endpointId, workerOwner(workerId), after);
  }

  /** Retention counts from now on the Redis clock (key expiry), so `now` is not needed here. */
  async endWorker(endpointId: string, workerId: string, _now: number, retention: LogRetention): Promise<void> {
    const { list, meta } = this.keys(endpointId, workerOwner(workerId));
    try {
      await this.redis
        .multi()
        .hset(meta, 'ended', '1')
        .pexpire(meta, retention.workerMs)
        .pexpire(list, retention.workerMs)
        .exec();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** A job's keys live as long as its lines: until `dropJobs`, or `jobMs` when history is off. */
  async endJobs(endpointId: string, marks: JobLogMark[], _now: number, retention: LogRetention): Promise<void> {
    if (marks.length === 0) return;
    const step = this.redis.multi();
    for (const { jobId, ended } of marks) {
      const { meta } = this.keys(endpointId, jobOwner(jobId));
      if (ended) step.hset(meta, 'ended', '1');
      else step.hdel(meta, 'ended');
      if (retention.jobMs !== undefined) step.pexpire(meta, retention.jobMs);
    }
    try {
      await step.exec();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async dropJobs(endpointId: string, jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const keys = jobIds.flatMap((id) => Object.values(this.keys(endpointId, jobOwner(id))));
    try {
      await this.redis.unlink(...keys);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Redis expires the keys itself. */
  async trim(): Promise<void> {}

  close(): Promise<void> {
    this.closing ??= closeRedis(this.redis);
    return this.closing;
  }

  private async read(endpointId: string, owner: string, after: number): Promise<LogRead> {
    const { list, meta } = this.keys(endpointId, owner);
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.redis.multi().lrange(list, 0, -1).hmget(meta, 'dropped', 'ended').exec();
    } catch (error) {
      throw toStoreError(error);
    }
    if (!replies) throw toStoreError(new Error('MULTI aborted'));
    for (const [error] of replies) if (error) throw toStoreError(error);
    const texts = replies[0]?.[1] as string[];
    const [dropped, ended] = replies[1]?.[1] as (string | null)[];
    const lines: StoredLogEntry[] = [];
    for (const text of texts) {
      const { bytes: _bytes, ...line } = JSON.parse(text) as StoredLogEntry & { bytes: number };
      if (line.seq > after) lines.push(line);
    }
    return { lines, truncated: Number(dropped ?? 0) > 0, ended: ended === '1' };
  }

  private keys(endpointId: string, owner: string): { list: string; meta: string } {
    const tag = endpointTag(this.prefix, endpointId);
    return { list: `${tag}:log:${owner}`, meta: `${tag}:logmeta:${owner}` };
  }
}
