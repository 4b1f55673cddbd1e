import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endpointSchema } from '../config/config-schema.js';
import { jobKey } from '../jobs/wakeups.js';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';
import type { AdmittedRoute } from './app-services.js';
import { RateLimiter, createRateLimitHook } from './rate-limiter.js';

const T0 = 1_700_000_000_000; // on a whole second

function refusal(admission: ReturnType<RateLimiter['acquire']>): number | undefined {
  return 'retryAfterSeconds' in admission ? admission.retryAfterSeconds : undefined;
}

describe('RateLimiter (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('admits per10s requests, then refuses until the oldest leave the sliding window', () => {
    const limiter = new RateLimiter(() => Date.now());
    const limit = { per10s: 3, concurrent: false as const };
    for (let i = 0; i < 2; i++) limiter.acquire('k', limit);
    vi.advanceTimersByTime(4000);
    expect(refusal(limiter.acquire('k', limit))).toBeUndefined();
    vi.advanceTimersByTime(2000);
    // Two events from T0 leave at T0 + 10 s, 4 s from now.
    expect(refusal(limiter.acquire('k', limit))).toBe(4);
    vi.advanceTimersByTime(3999);
    expect(refusal(limiter.acquire('k', limit))).toBe(1);
    vi.advanceTimersByTime(1);
    expect(refusal(limiter.acquire('k', limit))).toBeUndefined();
    expect(refusal(limiter.acquire('k', limit))).toBeUndefined();
    // The event from T0 + 4 s is still inside: 3 events, full again, for another 4 s.
    expect(refusal(limiter.acquire('k', limit))).toBe(4);
  });

  it('rounds Retry-After up to whole seconds, never below 1', () => {
    vi.setSystemTime(T0 + 500);
    const limiter = new RateLimiter(() => Date.now());
    const limit = { per10s: 1, concurrent: false as const };
    limiter.acquire('k', limit);
    expect(refusal(limiter.acquire('k', limit))).toBe(10);
    vi.advanceTimersByTime(9400);
    expect(refusal(limiter.acquire('k', limit))).toBe(1);
  });

  it('does not count refused requests, and keeps keys apart', () => {
    const limiter = new RateLimiter(() => Date.now());
    const limit = { per10s: 1, concurrent: false as const };
    limiter.acquire('a', limit);
    for (let i = 0; i < 50; i++) expect(refusal(limiter.acquire('a', limit))).toBe(10);
    expect(refusal(limiter.acquire('b', limit))).toBeUndefined();
    vi.advanceTimersByTime(10_000);
    expect(refusal(limiter.acquire('a', limit))).toBeUndefined();
  });

  it('caps requests in flight and frees a slot on release, once', () => {
    const limiter = new RateLimiter(() => Date.now());
    const limit = { per10s: false as const, concurrent: 2 };
    const a = limiter.acquire('k', limit);
    limiter.acquire('k', limit);
    expect(refusal(limiter.acquire('k', limit))).toBe(1);
    if (!('release' in a)) throw new Error('expected admission');
    a.release();
    a.release();
    expect(limiter.inFlight('k')).toBe(1);
    expect(refusal(limiter.acquire('k', limit))).toBeUndefined();
    expect(refusal(limiter.acquire('k', limit))).toBe(1);
    // With no count limit, any number of requests that end pass.
    for (let i = 0; i < 1000; i++) {
      const admission = limiter.acquire('short', limit);
      if (!('release' in admission)) throw new Error(`refused request ${i}`);
      admission.release();
    }
  });

  it('applies a changed limit at once to the history already counted', () => {
    const limiter = new RateLimiter(() => Date.now());
    for (let i = 0; i < 5; i++) limiter.acquire('k', { per10s: 10, concurrent: false });
    expect(refusal(limiter.acquire('k', { per10s: 5, concurrent: false }))).toBe(10);
    expect(refusal(limiter.acquire('k', { per10s: false, concurrent: false }))).toBeUndefined();
  });

  it('counts held requests in the window as well as in flight', () => {
    const limiter = new RateLimiter(() => Date.now());
    const limit = { per10s: 2, concurrent: 1 };
    const held = limiter.acquire('k', limit);
    expect(refusal(limiter.acquire('k', limit))).toBe(1);
    if ('release' in held) held.release();
    expect(refusal(limiter.acquire('k', limit))).toBeUndefined();
  });
});

class FakeRaw extends EventEmitter {
  destroyed = false;
  writableFinished = false;
}

function fakeReply(): { reply: FastifyReply; raw: FakeRaw; headers: Record<string, string> } {
  const raw = new FakeRaw();
  const headers: Record<string, string> = {};
  const reply = {
    raw,
    header(name: string, value: string) {
      headers[name.toLowerCase()] = value;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, raw, headers };
}

describe('createRateLimitHook', () => {
  const endpoint = endpointSchema.parse({ rateLimits: { status: { per10s: 100, concurrent: 1 } } });
  const route = (operation: string, kind: AdmittedRoute['kind'] = 'client-read'): AdmittedRoute => ({
    operation,
    kind,
    endpointId: 'echo',
    endpoint,
  });

  it('shares one bucket among status, status-sync and stream, and frees it when the response finishes', () => {
    const admit = createRateLimitHook(() => Date.now());
    const first = fakeReply();
    admit(route('status-sync'), first.reply);
    for (const op of ['status', 'stream', 'status-sync']) {
      const next = fakeReply();
      expect(() => admit(route(op), next.reply)).toThrow('rate limit exceeded');
      expect(next.headers['retry-after']).toBe('1');
    }
    first.raw.emit('finish');
    first.raw.emit('close');
    admit(route('stream'), fakeReply().reply);
  });

  it('frees the slot when the connection closes before the answer, or was already gone', () => {
    const admit = createRateLimitHook(() => Date.now());
    const lost = fakeReply();
    admit(route('status'), lost.reply);
    lost.raw.emit('close');
    const gone = fakeReply();
    gone.raw.destroyed = true;
    admit(route('status'), gone.reply);
    admit(route('status'), fakeReply().reply);
  });

  it('never limits worker routes or endpoints with rateLimits: false', () => {
    const admit = createRateLimitHook(() => Date.now());
    const off = endpointSchema.parse({ rateLimits: false });
    for (let i = 0; i < 10; i++) {
      admit(route('job-take', 'worker'), fakeReply().reply);
      admit({ ...route('status'), endpoint: off }, fakeReply().reply);
    }
  });

  it('has the spec defaults', () => {
    expect(endpointSchema.parse({}).rateLimits).toEqual({
      run: { per10s: 1000, concurrent: 200 },
      runsync: { per10s: 2000, concurrent: 400 },
      status: { per10s: 2000, concurrent: 400 },
      cancel: { per10s: 100, concurrent: 20 },
      retry: { per10s: 100, concurrent: 20 },
      purgeQueue: { per10s: 2, concurrent: false },
      health: { per10s: 2000, concurrent: 400 },
    });
    expect(endpointSchema.parse({ rateLimits: { run: { per10s: 5 }, cancel: false } }).rateLimits).toMatchObject({
      run: { per10s: 5, concurrent: 200 },
      cancel: false,
    });
    expect(() => endpointSchema.parse({ rateLimits: { runn: {} } })).toThrow();
    expect(() => endpointSchema.parse({ rateLimits: { run: { per10s: 0 } } })).toThrow();
  });
});

describe('rate limits over HTTP', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });
  const W = '/v2/echo';

  it('answers 429 rate limit exceeded with Retry-After past the limit, per endpoint and operation', async () => {
    t = await createTestApp({ endpoints: { echo: { rateLimits: { run: { per10s: 3 } } }, other: {} } });
    for (let i = 0; i < 3; i++) expect((await t.request('POST', `${W}/run`, { body: { input: i } })).status).toBe(200);
    const res = await t.request('POST', `${W}/run`, { body: { input: 4 } });
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toEqual({ error: 'rate limit exceeded', code: 'ERR_RATE_LIMITED' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect((await t.request('GET', `${W}/health`)).json.jobs.inQueue).toBe(3);
    expect((await t.request('POST', '/v2/other/run', { body: { input: 1 } })).status).toBe(200);
  });

  it('allows purge-queue twice per 10 s by default', async () => {
    t = await createTestApp();
    expect((await t.request('POST', `${W}/purge-queue`)).status).toBe(200);
    expect((await t.request('POST', `${W}/purge-queue`)).status).toBe(200);
    const third = await t.request('POST', `${W}/purge-queue`);
    expect(third.status).toBe(429);
    expect(third.json.error).toBe('rate limit exceeded');
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('counts a held status-sync against the status bucket until it answers', async () => {
    t = await createTestApp({ endpoints: { echo: { rateLimits: { status: { concurrent: 1 } } } } });
    const id = (await t.request('POST', `${W}/run`, { body: { input: 1 } })).json.id as string;
    const held = t.request('GET', `${W}/status-sync/${id}?wait=20000`);
    // Parked on the job: admitted, and holding its place in the bucket.
    await vi.waitFor(() => expect(t.context.wakeups.waiterCount(jobKey('echo', id))).toBe(1), { timeout: 5000 });
    const busy = await t.request('GET', `${W}/stream/${id}`);
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
    expect((await t.request('POST', `${W}/cancel/${id}`)).status).toBe(200);
    expect((await held).json.status).toBe('CANCELLED');
    expect((await t.request('GET', `${W}/status/${id}`)).status).toBe(200);
  });

  it('never limits worker routes', async () => {
    const tight = { per10s: 1, concurrent: 1 };
    const all = { run: tight, runsync: tight, status: tight, cancel: tight, retry: tight, purgeQueue: tight };
    t = await createTestApp({ endpoints: { echo: { rateLimits: { ...all, health: tight } } } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { job } = await t.services.jobs.submit('echo', { input: i, policy: {} }, { sync: false });
      ids.push(job.id);
    }
    const takes = await Promise.all(ids.map((_, i) => t.request('GET', `${W}/job-take/w${i}`)));
    expect(takes.map((r) => r.status)).toEqual(ids.map(() => 200));
    for (let i = 0; i < 6; i++) {
      expect((await t.request('GET', `${W}/ping/w${i}`)).status).toBe(200);
      expect((await t.request('POST', `${W}/job-stream/w${i}/${ids[i]}`, { body: { output: i } })).status).toBe(200);
      expect((await t.request('POST', `${W}/job-done/w${i}/${ids[i]}`, { body: { output: i } })).status).toBe(200);
    }
    const stops = await Promise.all([1, 2, 3].map((i) => t.request('GET', `${W}/job-stop/w${i}`)));
    expect(stops.map((r) => r.status)).toEqual([204, 204, 204]);
  });

  it('rateLimits: false turns every limit off', async () => {
    t = await createTestApp({ endpoints: { echo: { rateLimits: false } } });
    for (let i = 0; i < 20; i++) expect((await t.request('POST', `${W}/purge-queue`)).status).toBe(200);
  });

  it('sends Retry-After with queue is full, and keeps job-take back-off at 5 s', async () => {
    t = await createTestApp({ endpoints: { echo: { maxQueueSize: 1 } } });
    expect((await t.request('POST', `${W}/run`, { body: { input: 1 } })).status).toBe(200);
    const full = await t.request('POST', `${W}/runsync`, { body: { input: 2 } });
    expect(full.status).toBe(429);
    expect(full.json.error).toBe('queue is full');
    expect(full.headers['retry-after']).toBe('1');
    t.beginShutdown();
    const backoff = await t.request('GET', `${W}/job-take/w1`);
    expect(backoff.status).toBe(429);
    expect(backoff.headers['retry-after']).toBe('5');
  });
});
