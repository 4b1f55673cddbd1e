// TurnPipeline on a real Redis (the run's Redis, test/support/redis.ts): one pipeline per event-loop turn,
// each caller gets its own reply or error, and a connection that cannot send fails every command of the turn.
// Keys live under a unique prefix.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { describeWithRedis } from '../../../../../test/support/redis.js';
import { TurnPipeline } from './turn-pipeline.js';

describeWithRedis('TurnPipeline', (redisUrl) => {
  const prefix = `sluice-test-turn-${randomUUID().slice(0, 8)}`;
  let redis: Redis;

  beforeEach(async () => {
    redis = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    await redis.connect();
  });
  afterEach(async () => {
    if (redis.status === 'ready') {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    } else redis.disconnect();
  });

  it('sends the commands of one turn as one pipeline, in order, each settling with its own reply', async () => {
    const turn = new TurnPipeline(redis);
    const pipelines = vi.spyOn(redis, 'pipeline');
    const key = `${prefix}:n`;
    const replies = await Promise.all(Array.from({ length: 10 }, () => turn.call((p) => void p.incr(key))));
    expect(replies).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(pipelines).toHaveBeenCalledTimes(1);
    await turn.call((p) => void p.incr(key));
    expect(pipelines).toHaveBeenCalledTimes(2);
  });

  it('rejects only the command that failed', async () => {
    const turn = new TurnPipeline(redis);
    const key = `${prefix}:s`;
    const results = await Promise.allSettled([
      turn.call((p) => void p.set(key, 'text')),
      turn.call((p) => void p.incr(key)),
      turn.call((p) => void p.get(key)),
      turn.call(() => {
        throw new Error('not a command');
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseFulfilledResult<unknown>).value).toBe('text');
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/not an integer/);
  });

  it('fails every command of the turn when the connection is down', async () => {
    const down = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    await down.connect();
    down.disconnect();
    const turn = new TurnPipeline(down);
    const results = await Promise.allSettled([turn.call((p) => void p.ping()), turn.call((p) => void p.ping())]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
