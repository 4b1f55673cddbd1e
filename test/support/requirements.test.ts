// The rule for Redis and Chromium with the machine replaced by probes: each path of issue #19 (reachable,
// private server started, neither: skipped with one line, CI=true with neither: a clear failure).
import { describe, expect, it, vi } from 'vitest';
import {
  RequirementMissingError,
  isCi,
  resolveChromium,
  resolveRedis,
  skippedLine,
  type RedisProbes,
} from './requirements.js';

function probes(machine: { answers?: string[]; binary?: string }) {
  const stop = vi.fn(() => Promise.resolve());
  const fakes = {
    answers: vi.fn((url: string) => Promise.resolve(machine.answers?.includes(url) ?? false)),
    findServerBinary: vi.fn(() => machine.binary),
    startPrivate: vi.fn(() => Promise.resolve({ url: 'redis://127.0.0.1:40001', stop })),
  } satisfies RedisProbes;
  return { fakes, stop };
}

describe('resolveRedis', () => {
  it('uses REDIS_URL when it answers, and starts nothing', async () => {
    const { fakes } = probes({ answers: ['redis://10.0.0.5:6380'], binary: '/usr/bin/redis-server' });
    const redis = await resolveRedis({ REDIS_URL: 'redis://10.0.0.5:6380' }, fakes);
    expect(redis).toEqual({ source: 'external', url: 'redis://10.0.0.5:6380', serverBinary: '/usr/bin/redis-server' });
    expect(fakes.startPrivate).not.toHaveBeenCalled();
  });

  it('tries redis://127.0.0.1:6379 when REDIS_URL is unset or empty', async () => {
    const { fakes } = probes({ answers: ['redis://127.0.0.1:6379'] });
    expect(await resolveRedis({}, fakes)).toEqual({ source: 'external', url: 'redis://127.0.0.1:6379' });
    expect(await resolveRedis({ REDIS_URL: '' }, fakes)).toEqual({ source: 'external', url: 'redis://127.0.0.1:6379' });
  });

  it('starts a private redis-server when nothing answers and one is installed, and stops it on request', async () => {
    const { fakes, stop } = probes({ binary: '/opt/redis/bin/redis-server' });
    const redis = await resolveRedis({ REDIS_URL: 'redis://127.0.0.1:1' }, fakes);
    expect(fakes.answers).toHaveBeenCalledWith('redis://127.0.0.1:1');
    expect(fakes.startPrivate).toHaveBeenCalledWith('/opt/redis/bin/redis-server');
    expect(redis).toMatchObject({ source: 'private', url: 'redis://127.0.0.1:40001' });
    if (redis.source !== 'private') throw new Error('expected a private server');
    await redis.stop();
    expect(stop).toHaveBeenCalledOnce();
  });

  it('starts a private redis-server in CI too: CI only forbids skipping', async () => {
    const { fakes } = probes({ binary: '/usr/bin/redis-server' });
    expect(await resolveRedis({ CI: 'true' }, fakes)).toMatchObject({ source: 'private' });
  });

  it('reports Redis missing when nothing answers and no redis-server is installed', async () => {
    const { fakes } = probes({});
    expect(await resolveRedis({}, fakes)).toEqual({ source: 'missing' });
  });

  it('fails with what to install when CI=true and there is neither', async () => {
    const { fakes } = probes({});
    const failure = await resolveRedis({ CI: 'true', REDIS_URL: 'redis://127.0.0.1:1' }, fakes).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(RequirementMissingError);
    expect(String(failure)).toMatch(/CI=true and Redis is missing \(nothing answers at redis:\/\/127\.0\.0\.1:1/);
    expect(String(failure)).toMatch(/apt-get install redis-server, or set REDIS_URL/);
  });
});

describe('resolveChromium', () => {
  const only = (path: string) => ({ isExecutable: (p: string) => p === path });

  it('uses /usr/bin/chromium, or CHROMIUM_PATH when set', () => {
    expect(resolveChromium({}, only('/usr/bin/chromium'))).toBe('/usr/bin/chromium');
    expect(resolveChromium({ CHROMIUM_PATH: '/opt/c/chrome' }, only('/opt/c/chrome'))).toBe('/opt/c/chrome');
    expect(resolveChromium({ CHROMIUM_PATH: '/opt/c/chrome' }, only('/usr/bin/chromium'))).toBeUndefined();
  });

  it('reports it missing outside CI, and fails with what to install in CI', () => {
    expect(resolveChromium({}, only('/nowhere'))).toBeUndefined();
    expect(() => resolveChromium({ CI: 'true' }, only('/nowhere'))).toThrow(
      /CI=true and Chromium is missing \(\/usr\/bin\/chromium is not an executable\): apt-get install chromium/,
    );
  });
});

describe('isCi', () => {
  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
    ['', false],
    [undefined, false],
  ])('CI=%s is %s', (value, expected) => {
    expect(isCi(value === undefined ? {} : { CI: value })).toBe(expected);
  });
});

describe('skippedLine', () => {
  it('is absent when nothing was skipped', () => {
    expect(skippedLine([])).toBeUndefined();
  });

  it('names every skipped suite once, grouped by what it needs and how to get it, on one line', () => {
    const line = skippedLine([
      { requirement: 'redis', suite: 'RedisJobStore conformance' },
      { requirement: 'redis', suite: 'two servers on one Redis' },
      { requirement: 'chromium', suite: 'console in a browser' },
      { requirement: 'redis', suite: 'two servers on one Redis' },
    ]);
    expect(line).toBe(
      'Skipped 3 suites: 2 without Redis (RedisJobStore conformance, two servers on one Redis; ' +
        'apt-get install redis-server, or set REDIS_URL to a Redis that answers); ' +
        '1 without Chromium (console in a browser; apt-get install chromium, or set CHROMIUM_PATH).',
    );
    expect(line).not.toContain('\n');
  });
});
