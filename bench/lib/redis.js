// Redis helpers: whether 127.0.0.1:6379 answers, and removing every key a run created under its prefix.
import { Redis } from 'ioredis';
import { REDIS_URL } from './sluice-server.js';

function connect() {
  return new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
}

export async function redisReachable() {
  const redis = connect();
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * What every key of a Sluice server configured with `prefix` starts with: the store puts the prefix in a Redis
 * Cluster hash tag (`{prefix}:…`, `{prefix:endpoint}…`), so the bare prefix matches none of them.
 */
export const sluiceKeyPrefix = (prefix) => `{${prefix}`;

/** Deletes every key starting with `prefix` (SCAN, never KEYS); returns how many. */
export async function deleteKeys(prefix) {
  const redis = connect();
  let removed = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  } finally {
    redis.disconnect();
  }
}

/** The first line of a failed start, for the "skipped" note. */
export function startFailure(err) {
  const text = String(err?.message ?? err);
  const line = text.split('\n').find((l) => /redis/i.test(l) && !/^sluice serve/.test(l)) ?? text.split('\n')[0];
  return line
    .replace(/^.*?"msg":"/, '')
    .replace(/".*$/, '')
    .trim()
    .slice(0, 160);
}

/** The pid of the Redis server (INFO server), to read its CPU time; undefined if it does not say. */
export async function redisPid() {
  const redis = connect();
  try {
    await redis.connect();
    const pid = /process_id:(\d+)/.exec(await redis.info('server'))?.[1];
    return pid === undefined ? undefined : Number(pid);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
