// RedisJobHistory: the JobHistory contract on Redis. Each status has a sorted set of "<createdAt>:<id>" members
// with equal scores, read newest first with ZRANGE … BYLEX REV LIMIT: a page costs O(log n + limit) whatever the
// number of jobs, and a cursor is a member, so pages do not shift while jobs are added. A page is one script
// call (HISTORY_LIST), one round trip: its index reads and record fetches cannot interleave with a trim.
// Layout: history-scripts.ts.
import type { Redis } from 'ioredis';
import type { JobStatus } from '@sluice/protocol';
import { historyJobText, keepBody } from '../history-bodies.js';
import { decodeCursor, encodeCursor } from '../history-cursor.js';
import {
  HISTORY_TIMELINE_MAX,
  HISTORY_WEBHOOK_ATTEMPTS_MAX,
  type DroppedHistory,
  type HistoryJob,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRecord,
  type HistoryWrite,
  type JobHistory,
  type TimelineEvent,
  type WebhookAttemptNote,
} from '../job-history.js';
import { closeRedis, connectRedis, toStoreError, type SentinelOptions } from './redis-connection.js';
import { HISTORY_LIST, HISTORY_TRIM, HISTORY_WEBHOOK, HISTORY_WRITE } from './history-scripts.js';
import { endpointTag } from './redis-keys.js';

export interface RedisSideStoreOptions {
  url: string;
  prefix: string;
  sentinel?: SentinelOptions;
}

const pad = (createdAt: number) => String(createdAt).padStart(16, '0');
const member = (createdAt: number, id: string) => `${pad(createdAt)}:${id}`;

type HistoryCommands = Redis & {
  sluiceHistoryWrite(tag: string, ...args: string[]): Promise<number>;
  sluiceHistoryWebhook(tag: string, id: string, note: string, max: string): Promise<number>;
  sluiceHistoryTrim(tag: string, now: string, max: string): Promise<string[]>;
  sluiceHistoryList(tag: string, max: string, min: string, limit: string, ...indexes: string[]): Promise<ListReply>;
};

/** Members of the page and of the one job after it; records of the page's jobs. */
type ListReply = [string[], (string | null)[]];

export async function openRedisJobHistory(options: RedisSideStoreOptions): Promise<RedisJobHistory> {
  const redis = await connectRedis(options.url, 'history', options.sentinel);
  redis.defineCommand('sluiceHistoryWrite', { numberOfKeys: 1, lua: HISTORY_WRITE });
  redis.defineCommand('sluiceHistoryWebhook', { numberOfKeys: 1, lua: HISTORY_WEBHOOK });
  redis.defineCommand('sluiceHistoryTrim', { numberOfKeys: 1, lua: HISTORY_TRIM });
  redis.defineCommand('sluiceHistoryList', { numberOfKeys: 1, lua: HISTORY_LIST });
  return new RedisJobHistory(redis as HistoryCommands, options.prefix);
}

export class RedisJobHistory implements JobHistory {
  private readonly knownEndpoints = new Set<string>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly redis: HistoryCommands,
    private readonly prefix: string,
  ) {}

  /** One script call per change, all sent at once: the connection keeps their order. */
  async write(changes: readonly HistoryWrite[]): Promise<void> {
    await Promise.all(changes.map((change) => this.writeOne(change)));
  }

  private async writeOne(change: HistoryWrite): Promise<void> {
    const { job } = change;
    const input = keepBody(job.input);
    const output = keepBody(job.output);
    const dropped = {
      ...(input.droppedBytes === undefined ? {} : { input: input.droppedBytes }),
      ...(output.droppedBytes === undefined ? {} : { output: output.droppedBytes }),
    };
    const expiry = change.expiresAt === undefined ? '' : change.expiresAt === null ? 'null' : String(change.expiresAt);
    try {
      this.registerEndpoint(job.endpointId);
      await this.redis.sluiceHistoryWrite(
        this.tag(job.endpointId),
        job.id,
        member(job.createdAt, job.id),
        job.status,
        historyJobText(job),
        input.text ?? '',
        output.text ?? '',
        Object.keys(dropped).length > 0 ? JSON.stringify(dropped) : '',
        change.event ? JSON.stringify(change.event) : '',
        String(change.streamItems ?? 0),
        '',
        expiry,
        String(HISTORY_TIMELINE_MAX),
        String(HISTORY_WEBHOOK_ATTEMPTS_MAX),
      );
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async noteWebhookAttempt(endpointId: string, id: string, note: WebhookAttemptNote): Promise<void> {
    try {
      await this.redis.sluiceHistoryWebhook(
        this.tag(endpointId),
        id,
        JSON.stringify(note),
        String(HISTORY_WEBHOOK_ATTEMPTS_MAX),
      );
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async list(endpointId: string, query: HistoryQuery): Promise<HistoryPage> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const tag = this.tag(endpointId);
    const max = cursor
      ? `(${member(cursor.createdAt, cursor.id)}`
      : query.until === undefined
        ? '+'
        : `(${pad(query.until)}`;
    const min = query.since === undefined ? '-' : `[${pad(Math.max(0, query.since))}`;
    const indexes: string[] = query.statuses?.length
      ? [...new Set(query.statuses)].map((status: JobStatus) => `st:${status}`)
      : ['all'];
    let reply: ListReply;
    try {
      reply = await this.redis.sluiceHistoryList(tag, max, min, String(query.limit), ...indexes);
    } catch (error) {
      throw toStoreError(error);
    }
    const [members, texts] = reply;
    // Null only for a record deleted behind the store's back: that job is left out of the page.
    const jobs = texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as HistoryJob);
    const last = members.length > query.limit ? members[query.limit - 1] : undefined;
    const nextCursor =
      last === undefined ? null : encodeCursor({ createdAt: Number(last.slice(0, 16)), id: last.slice(17) });
    return { jobs, nextCursor };
  }

  async get(endpointId: string, id: string): Promise<HistoryRecord | undefined> {
    const tag = this.tag(endpointId);
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await this.redis
        .multi()
        .hgetall(`${tag}:hist:${id}`)
        .lrange(`${tag}:hist-tl:${id}`, 0, -1)
        .lrange(`${tag}:hist-wh:${id}`, 0, -1)
        .exec();
    } catch (error) {
      throw toStoreError(error);
    }
    if (!replies) throw toStoreError(new Error('MULTI aborted'));
    for (const [error] of replies) if (error) throw toStoreError(error);
    const hash = replies[0]?.[1] as Record<string, string>;
    if (hash['rec'] === undefined) return undefined;
    const record: HistoryRecord = {
      job: JSON.parse(hash['rec']) as HistoryJob,
      timeline: (replies[1]?.[1] as string[]).map((t) => JSON.parse(t) as TimelineEvent),
      timelineDropped: Number(hash['tldropped'] ?? 0),
      streamItems: Number(hash['stream'] ?? 0),
      webhookAttempts: (replies[2]?.[1] as string[]).map((t) => JSON.parse(t) as WebhookAttemptNote),
    };
    if (hash['input'] !== undefined) record.input = JSON.parse(hash['input']) as HistoryRecord['input'];
    if (hash['output'] !== undefined) record.output = JSON.parse(hash['output']) as HistoryRecord['output'];
    if (hash['dropped'] !== undefined) record.droppedBodies = JSON.parse(hash['dropped']) as object;
    if (hash['exp'] !== undefined) record.expiresAt = Number(hash['exp']);
    return record;
  }

  async trim(now: number, max: number): Promise<DroppedHistory[]> {
    try {
      const dropped: DroppedHistory[] = [];
      for (const endpointId of await this.redis.smembers(this.endpointsKey())) {
        if (dropped.length >= max) break;
        const ids = await this.redis.sluiceHistoryTrim(this.tag(endpointId), String(now), String(max - dropped.length));
        for (const id of ids) dropped.push({ endpointId, id });
      }
      return dropped;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  close(): Promise<void> {
    this.closing ??= closeRedis(this.redis);
    return this.closing;
  }

  private tag(endpointId: string): string {
    return endpointTag(this.prefix, endpointId);
  }

  private endpointsKey(): string {
    return `{${this.prefix}}:hist-endpoints`;
  }

  /** Sent ahead of the write on the same connection, not awaited, so writes keep their call order. */
  private registerEndpoint(endpointId: string): void {
    if (this.knownEndpoints.has(endpointId)) return;
    this.knownEndpoints.add(endpointId);
    this.redis.sadd(this.endpointsKey(), endpointId).catch(() => this.knownEndpoints.delete(endpointId));
  }
}
