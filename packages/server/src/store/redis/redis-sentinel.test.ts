// The Redis store through Redis Sentinel: a real sentinel process (redis-server --sentinel) monitoring the
// run's Redis (test/support/redis.ts) hands the store its master; the store's own URL points nowhere, so only
// the sentinel could have told it where to go. Keys live under a unique prefix, deleted afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../../test/support/private-redis.js';
import { describeWithRedisServer } from '../../../../../test/support/redis.js';
import { isSluiceError } from '@sluice/protocol';
import { EP, newJob } from '../testing/conformance-support.js';
import { deletePrefix } from './delete-prefix.js';
import { ConfigError, resolveConfig } from '../../config/load-config.js';
import { openRedisJobStore } from './redis-job-store.js';

const MASTER = 'sluice-test-master';

describeWithRedisServer('RedisJobStore through Redis Sentinel', (redisUrl, redisServer) => {
  const prefix = `sluice-test-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sentinel-'));
  let sentinel: ChildProcess | undefined;
  let port = 0;

  beforeAll(async () => {
    const master = new URL(redisUrl);
    port = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER} ${master.hostname} ${master.port || '6379'} 1`,
      ].join('\n'),
    );
    sentinel = spawn(redisServer, [conf, '--sentinel'], { stdio: 'ignore' });
    // Ready once the sentinel answers for the master it monitors.
    const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => undefined);
    try {
      for (let i = 0; i < 100; i++) {
        const found = await probe.call('SENTINEL', 'get-master-addr-by-name', MASTER).catch(() => null);
        if (Array.isArray(found)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the sentinel did not come up');
    } finally {
      probe.disconnect();
    }
  }, 20_000);

  afterAll(async () => {
    sentinel?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await deletePrefix(redisUrl, prefix);
  });

  it('finds the master through the sentinel and works as usual', async () => {
    const store = await openRedisJobStore({
      url: 'redis://127.0.0.1:1',
      prefix,
      sentinel: { name: MASTER, sentinels: [{ host: '127.0.0.1', port }] },
    });
    try {
      const { job } = await store.enqueue(newJob());
      expect(await store.get(EP, job.id)).toMatchObject({ id: job.id, status: 'IN_QUEUE' });
      const [claimed] = await store.claim(EP, 'w1', 1, Date.now());
      expect(claimed?.id).toBe(job.id);
    } finally {
      await store.close();
    }
  });

  it('refuses to start with ERR_UNAVAILABLE naming the master group when no sentinel knows it', async () => {
    const failure = await openRedisJobStore({
      url: 'redis://127.0.0.1:1',
      prefix,
      sentinel: { name: 'no-such-master', sentinels: [{ host: '127.0.0.1', port }] },
    }).catch((err: unknown) => err);
    expect(isSluiceError(failure) && failure.code).toBe('ERR_UNAVAILABLE');
    expect(String((failure as Error).message)).toMatch(/master "no-such-master" through sentinels 127\.0\.0\.1:/);
  }, 20_000);
});

describe('store.sentinel configuration', () => {
  const sentinel = { name: 'mymaster', sentinels: [{ host: '10.0.0.11', port: 26379 }] };

  it('is accepted with a redis store, and absent by default', () => {
    const config = resolveConfig({ store: { kind: 'redis', sentinel }, endpoints: {} });
    expect(config.store).toMatchObject({ kind: 'redis', url: 'redis://127.0.0.1:6379', sentinel });
    expect(resolveConfig({ store: { kind: 'redis' }, endpoints: {} }).store).not.toHaveProperty('sentinel');
  });

  it.each([
    [{ kind: 'sqlite', sentinel }, /store/],
    [{ kind: 'redis', sentinel: { name: 'mymaster', sentinels: [] } }, /needs at least one sentinel/],
    [{ kind: 'redis', sentinel: { name: '', sentinels: sentinel.sentinels } }, /store\.sentinel\.name/],
    [{ kind: 'redis', sentinel: { ...sentinel, sentinels: [{ host: 'h', port: 0 }] } }, /port/],
  ])('refuses %j', (store, message) => {
    expect(() => resolveConfig({ store, endpoints: {} })).toThrow(ConfigError);
    expect(() => resolveConfig({ store, endpoints: {} })).toThrow(message);
  });
});
