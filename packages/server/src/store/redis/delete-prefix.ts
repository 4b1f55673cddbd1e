// Removes every key of one store prefix (SCAN, then UNLINK in batches): test cleanup, and the way to wipe a
// deployment's jobs. Never KEYS or FLUSHDB: other prefixes, and other data, may share the Redis.
import { Redis } from 'ioredis';
import { prefixPattern } from './redis-keys.js';

/** Deletes the keys of `prefix` at `url`; returns how many there were. */
export async function deletePrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, protocol: 2 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', prefixPattern(prefix), 'COUNT', 10_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}
