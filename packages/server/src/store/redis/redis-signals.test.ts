// RedisStoreSignals on a real Redis (test/support/redis.ts): a store alone on its channel keeps its signals to
// itself, publishes again as soon as another store says hello, goes quiet when that store leaves, and probes
// once per PROBE_MS while quiet. Each test uses a channel of its own.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { describeWithRedis } from '../../../../../test/support/redis.js';
import type { StoreSignal } from '../store-signals.js';
import { PROBE_MS, RedisStoreSignals } from './redis-signals.js';
import { TurnPipeline } from './turn-pipeline.js';

describeWithRedis('RedisStoreSignals', (redisUrl) => {
  const connections: Redis[] = [];
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  });

  async function open(channel: string, now: () => number = Date.now) {
    const publisher = new Redis(redisUrl);
    const subscriber = new Redis(redisUrl);
    connections.push(publisher, subscriber);
    const turn = new TurnPipeline(publisher);
    const calls = vi.spyOn(turn, 'call');
    const signals = new RedisStoreSignals(turn, subscriber, channel, now);
    await signals.start();
    const received: StoreSignal[] = [];
    signals.subscribe((s) => received.push(s));
    return { signals, subscriber, received, publishes: () => calls.mock.calls.length };
  }

  const signal: StoreSignal = { kind: 'queue', endpointId: 'ep', id: '' };

  it('publishes nothing while alone on its channel, and probes once per PROBE_MS', async () => {
    let now = 1_000_000;
    const a = await open(`sluice-test-signals-${randomUUID()}`, () => now);
    expect(a.signals.publishing).toBe(false);
    const before = a.publishes();
    a.signals.publish(signal);
    a.signals.publish(signal);
    expect(a.publishes()).toBe(before);
    now += PROBE_MS;
    a.signals.publish(signal);
    a.signals.publish(signal);
    expect(a.publishes()).toBe(before + 1);
  });

  it('publishes again once another store says hello, and goes quiet when it leaves', async () => {
    const channel = `sluice-test-signals-${randomUUID()}`;
    const a = await open(channel);
    expect(a.signals.publishing).toBe(false);
    const b = await open(channel);
    expect(b.signals.publishing).toBe(true);
    await vi.waitFor(() => expect(a.signals.publishing).toBe(true));
    a.signals.publish(signal);
    await vi.waitFor(() => expect(b.received).toEqual([signal]));
    b.signals.close();
    await b.subscriber.quit();
    // The next publish reaches nobody else: its reply sends a back to quiet.
    a.signals.publish(signal);
    await vi.waitFor(() => expect(a.signals.publishing).toBe(false));
    expect(a.received).toEqual([]);
  });
});
