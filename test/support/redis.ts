// The one way a test gets Redis. The global setup has already chosen it: REDIS_URL (default
// redis://127.0.0.1:6379) when it answers, else a private redis-server started for the run, else none. Without
// one, these suites are skipped and named in the line printed at the end of the run; with CI=true they fail.
//
//   describeWithRedis('RedisJobStore on Redis', (redisUrl) => { ... });
//   describeWithRedisServer('Sentinel', (redisUrl, redisServer) => { ... }); // also spawns redis-server
//   const url = requireRedis('fleet on Redis'); // for one Redis row in a table of stores; undefined = skip it
//
// Always use a unique key prefix per test file and delete it afterwards: the Redis may be shared.
import { describe, it } from 'vitest';
import { needs, requirements } from './provided.js';

export function requireRedis(suite: string): string | undefined {
  return needs('redis', suite, requirements().redisUrl);
}

export function describeWithRedis(title: string, body: (redisUrl: string) => void): void {
  const url = requireRedis(title);
  if (url === undefined) skipped(title, 'needs Redis');
  else describe(title, () => body(url));
}

export function describeWithRedisServer(title: string, body: (redisUrl: string, redisServer: string) => void): void {
  const url = requireRedis(title);
  const binary = url === undefined ? undefined : needs('redis-server', title, requirements().redisServer);
  if (url === undefined || binary === undefined) skipped(title, 'needs Redis and redis-server');
  else describe(title, () => body(url, binary));
}

function skipped(title: string, why: string): void {
  describe.skip(title, () => it(why, () => undefined));
}
