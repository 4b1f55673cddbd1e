// Runs the store conformance suite against Redis (the run's Redis, test/support/redis.ts), each test on
// a prefix of its own that is deleted afterwards; then checks what only the Redis store has: the index and
// counter invariants of the scripts, the key layout, cross-process signals, and behaviour in an outage.
import { randomUUID } from 'node:crypto';
import { Socket, createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { describeWithRedis } from '../../../../../test/support/redis.js';
import type { StoreSignal } from '../store-signals.js';
import { describeSluiceStoreConformance } from '../testing/conformance.js';
import { describeFleetRegistryConformance } from '../testing/conformance-fleet.js';
import { EP, OTHER_EP, T0, W1, W2, expectCode, newJob } from '../testing/conformance-support.js';
import { deletePrefix } from './delete-prefix.js';
import { openRedisJobStore, type RedisJobStore } from './redis-job-store.js';
import { endpointKey, endpointTag, itemKey, prefixPattern } from './redis-keys.js';

const uniquePrefix = () => `sluice-test-${randomUUID().slice(0, 8)}`;

describeWithRedis('RedisJobStore conformance', (redisUrl) => {
  const open = async () => {
    const prefix = uniquePrefix();
    const store = await openRedisJobStore({ url: redisUrl, prefix });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await deletePrefix(redisUrl, prefix);
      },
    };
  };
  describeSluiceStoreConformance('RedisJobStore', open);
  describeFleetRegistryConformance('RedisJobStore', open);
});

describeWithRedis('RedisJobStore on Redis', (redisUrl) => {
  const opened: RedisJobStore[] = [];
  const prefixes: string[] = [];
  const clients: Redis[] = [];
  const open = async (prefix = uniquePrefix(), url = redisUrl): Promise<RedisJobStore> => {
    if (!prefixes.includes(prefix)) prefixes.push(prefix);
    const store = await openRedisJobStore({ url, prefix });
    opened.push(store);
    return store;
  };
  const client = (): Redis => {
    const redis = new Redis(redisUrl, { protocol: 2 });
    clients.push(redis);
    return redis;
  };

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const redis of clients.splice(0)) redis.disconnect();
    for (const prefix of prefixes.splice(0)) await deletePrefix(redisUrl, prefix);
  });

  it('keeps counters and every index equal to the jobs themselves through any sequence of operations', async () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.boolean());
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), async (ops) => {
        const prefix = uniquePrefix();
        const store = await open(prefix);
        const redis = client();
        const created = new Map<string, string[]>([
          [EP, []],
          [OTHER_EP, []],
        ]);
        let now = T0;
        for (const [kind, n, flag] of ops) {
          now += 10_000;
          const endpointId = n === 4 ? OTHER_EP : EP;
          const ids = async (status: string) =>
            (await readJobs(redis, prefix, endpointId, created.get(endpointId)!, status)).map((j) => j.id);
          if (kind <= 1) {
            const job = newJob({ endpointId, createdAt: now, ttl: 100_000 + n * 10_000, lowPriority: flag });
            created.get(endpointId)!.push(job.id);
            await store.enqueue(job);
          } else if (kind === 2) await store.claim(endpointId, flag ? W1 : W2, n, now);
          else if (kind === 3) await store.reclaim(endpointId, W1, 'all', n % 2, 'worker lost', now);
          else if (kind === 4) await store.purgeQueue(endpointId, now, 3);
          else if (kind === 5) await store.expire(now + n * 1_000_000);
          else if (kind === 6) for (const id of await ids('FAILED')) await store.retry(endpointId, id, now);
          else if (kind === 7) await store.unclaim(endpointId, W2, await ids('IN_PROGRESS'));
          else {
            for (const id of await ids('IN_PROGRESS')) {
              const result = flag ? { status: 'COMPLETED' as const } : { status: 'FAILED' as const, error: 'x' };
              await store.finish(endpointId, W1, id, result, now);
            }
          }
        }
        for (const [endpointId, jobIds] of created) {
          await expectConsistent(redis, store, prefix, endpointId, jobIds);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('puts every key under the hash tag of its endpoint or of its prefix', async () => {
    const prefix = uniquePrefix();
    const store = await open(prefix);
    await store.enqueue(newJob({ webhook: 'https://hooks.test/x' }), {
      idempotency: { scope: 's', key: 'k', fingerprint: 'f', expiresAt: T0 + 1000 },
    });
    const [job] = await store.claim(EP, W1, 1, T0);
    await store.appendStream(EP, W1, job!.id, { output: 1 });
    await store.recordWorker(EP, W1, { seen: true }, T0);
    await store.cancel(EP, job!.id, T0 + 1);
    const keys = await scanKeys(client(), prefix);
    expect(keys.length).toBeGreaterThan(10);
    const tag = endpointTag(prefix, EP);
    for (const key of keys) expect(key.startsWith(`${tag}:`) || key.startsWith(`{${prefix}}:`), key).toBe(true);
  });

  it('delivers signals to other stores on the prefix, never back to their sender', async () => {
    const prefix = uniquePrefix();
    const [a, b, elsewhere] = await Promise.all([open(prefix), open(prefix), open()]);
    const seen = { a: [] as StoreSignal[], b: [] as StoreSignal[], elsewhere: [] as StoreSignal[] };
    a.signals.subscribe((s) => seen.a.push(s));
    const gotB = new Promise<void>((resolve) =>
      b.signals.subscribe((s) => {
        seen.b.push(s);
        if (s.kind === 'stop') resolve();
      }),
    );
    elsewhere.signals.subscribe((s) => seen.elsewhere.push(s));
    a.signals.publish({ kind: 'queue', endpointId: EP, id: '' });
    a.signals.publish({ kind: 'stop', endpointId: EP, id: W1 });
    await gotB;
    // A round trip on a's subscriber connection proves a's own messages would have arrived by now.
    const echo = new Promise<void>((resolve) => a.signals.subscribe((s) => s.kind === 'job' && resolve()));
    b.signals.publish({ kind: 'job', endpointId: EP, id: 'x' });
    await echo;
    expect(seen.b).toEqual([
      { kind: 'queue', endpointId: EP, id: '' },
      { kind: 'stop', endpointId: EP, id: W1 },
    ]);
    expect(seen.a).toEqual([{ kind: 'job', endpointId: EP, id: 'x' }]);
    expect(seen.elsewhere).toEqual([]);
  });

  it('refuses to open when Redis is unreachable, quickly and with the URL in the message', async () => {
    // Nothing will ever listen there: a store that kept retrying the connection would never settle.
    const failure = openRedisJobStore({ url: 'redis://127.0.0.1:1', prefix: 'nowhere' });
    await expect(failure).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
    await expect(failure).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('fails fast with ERR_UNAVAILABLE during an outage and recovers by itself, signals included', async () => {
    const proxy = await startProxy(new URL(redisUrl));
    try {
      const prefix = uniquePrefix();
      const store = await open(prefix, `redis://127.0.0.1:${proxy.port}`);
      const other = await open(prefix);
      const { job } = await store.enqueue(newJob());
      await proxy.cut();
      // The outage lasts until resume(), which comes only after both answers: a store that queued commands
      // until Redis came back would never answer here.
      await expectCode(store.get(EP, job.id), 'ERR_UNAVAILABLE');
      await expectCode(store.claim(EP, W1, 1, T0), 'ERR_UNAVAILABLE');
      store.signals.publish({ kind: 'queue', endpointId: EP, id: '' }); // dropped, never thrown
      await proxy.resume();
      await retryUntil(() => store.get(EP, job.id));
      expect((await store.claim(EP, W1, 1, T0)).map((j) => j.id)).toEqual([job.id]);
      // The subscriber connection came back too, and re-subscribed by itself.
      const woken = new Promise<StoreSignal>((resolve) => store.signals.subscribe(resolve));
      await retryUntil(async () => {
        other.signals.publish({ kind: 'job', endpointId: EP, id: job.id });
        return Promise.race([woken, new Promise<undefined>((resolve) => setTimeout(resolve, 50))]);
      });
      expect(await woken).toEqual({ kind: 'job', endpointId: EP, id: job.id });
    } finally {
      await proxy.close();
    }
  });
});

/** Calls `attempt` every 50 ms until it gives a value (failures count as none); throws after 5 s. */
async function retryUntil<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('no answer within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface StoredJob {
  id: string;
  status: string;
  retries: number;
  seq: string;
  lowPriority: boolean;
  workerId?: string;
}

async function scanKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', prefixPattern(prefix), 'COUNT', 10_000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

/** The job hashes of `ids` still stored, read straight from Redis, optionally only those in `status`. */
async function readJobs(
  redis: Redis,
  prefix: string,
  endpointId: string,
  ids: string[],
  status?: string,
): Promise<StoredJob[]> {
  const jobs: StoredJob[] = [];
  for (const id of ids) {
    const h = await redis.hgetall(itemKey(endpointTag(prefix, endpointId), 'job', id));
    if (h['id'] === undefined || (status !== undefined && h['status'] !== status)) continue;
    jobs.push({
      id: h['id'],
      status: h['status']!,
      retries: Number(h['retries']),
      seq: h['seq']!,
      lowPriority: h['lowPriority'] === '1',
      ...worker(h),
    });
  }
  return jobs;
}

function worker(h: Record<string, string>): { workerId?: string } {
  return h['workerId'] === undefined ? {} : { workerId: h['workerId'] };
}

/** Counters, queue, deadline sets and leased sets agree with the job hashes of every job ever created. */
async function expectConsistent(redis: Redis, store: RedisJobStore, prefix: string, endpointId: string, ids: string[]) {
  const jobs = await readJobs(redis, prefix, endpointId, ids);
  const tag = endpointTag(prefix, endpointId);
  const where = (...statuses: string[]) => jobs.filter((j) => statuses.includes(j.status));
  const idsOf = (list: StoredJob[]) => list.map((j) => j.id).sort();
  expect(await store.counts(endpointId)).toEqual({
    inQueue: where('IN_QUEUE').length,
    inProgress: where('IN_PROGRESS').length,
    completed: where('COMPLETED').length,
    failed: where('FAILED', 'TIMED_OUT').length,
    retried: jobs.filter((j) => j.retries >= 1).length,
  });
  const members = async (name: Parameters<typeof endpointKey>[1]) =>
    (await redis.zrange(endpointKey(tag, name), '0', '-1')).sort();
  expect(await members('queue')).toEqual(idsOf(where('IN_QUEUE')));
  expect(await members('queuedNormal')).toEqual(idsOf(where('IN_QUEUE').filter((j) => !j.lowPriority)));
  expect(await members('runDeadline')).toEqual(idsOf(where('IN_PROGRESS')));
  expect(await members('liveDeadline')).toEqual(idsOf(where('IN_QUEUE', 'IN_PROGRESS')));
  expect(await members('deleteAt')).toEqual(idsOf(where('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT')));
  for (const workerId of [W1, W2]) {
    const leased = (await redis.smembers(`${tag}:leased:${workerId}`)).sort();
    expect(leased).toEqual(idsOf(where('IN_PROGRESS').filter((j) => j.workerId === workerId)));
  }
  // Queue positions are distinct, so claim order is total.
  const queued = where('IN_QUEUE').map((j) => j.seq);
  expect(new Set(queued).size).toBe(queued.length);
}

/** A TCP proxy to Redis whose link can be cut (connections dropped, port closed) and restored. */
async function startProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((inbound) => {
        const outbound = new Socket();
        outbound.connect(Number(target.port || 6379), target.hostname);
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      server.listen(port, '127.0.0.1', () => {
        const address = server!.address();
        if (typeof address === 'object' && address) port = address.port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      if (server === undefined) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    server = undefined;
  };
  await listen();
  return { port, cut, resume: listen, close: cut };
}
