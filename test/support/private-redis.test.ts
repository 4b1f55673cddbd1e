// A real private redis-server, as the global setup starts one when no Redis answers: on a free port, in a temp
// dir, with no persistence; stopping it ends the process and removes the dir.
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisAnswers, startPrivateRedis } from './private-redis.js';
import { needs, requirements } from './provided.js';

const binary = needs('redis-server', 'private redis-server', requirements().redisServer);

describe.runIf(binary)('startPrivateRedis', () => {
  it('starts redis-server on a free port without persistence, and stop() ends it and removes its dir', async () => {
    const exitHooks = process.listenerCount('exit');
    const server = await startPrivateRedis(binary ?? '');
    let dir = '';
    try {
      expect(server.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(server.url).not.toBe('redis://127.0.0.1:6379');
      expect(process.listenerCount('exit')).toBe(exitHooks + 1);
      const redis = new Redis(server.url);
      try {
        expect(await redis.config('GET', 'save')).toEqual(['save', '']);
        expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
        dir = String((await redis.config('GET', 'dir'))[1]);
      } finally {
        await redis.quit();
      }
      expect(existsSync(dir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(await redisAnswers(server.url)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(process.listenerCount('exit')).toBe(exitHooks);
  });

  it('says why when the binary exits instead of serving', async () => {
    await expect(startPrivateRedis('/bin/false', 2)).rejects.toThrow(/redis-server exited with code 1/);
  });
});

describe('redisAnswers', () => {
  it('is false for a port where nothing listens', async () => {
    expect(await redisAnswers('redis://127.0.0.1:1')).toBe(false);
  });
});
