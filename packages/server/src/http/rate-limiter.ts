// Client-route rate limits (spec §4.10): per endpoint and operation bucket, a count over a sliding 10 s window
// plus a cap on requests in flight (held long-polls count while held). State lives in this process's memory,
// so with several server processes each enforces the limits on its own share of the traffic.
import type { FastifyReply } from 'fastify';
import { SluiceError } from '@sluice/protocol';
import type { Clock } from '../clock.js';
import type { EndpointConfig, RateLimitConfig } from '../config/config-schema.js';
import type { AdmittedRoute } from './app-services.js';

const RATE_WINDOW_MS = 10_000;
const SLOT_MS = 1000;
const SLOTS = RATE_WINDOW_MS / SLOT_MS;

type Bucket = keyof Exclude<EndpointConfig['rateLimits'], false>;

/** Which bucket each client operation counts against; operations not listed (worker routes) are never limited. */
const BUCKET_OF: Readonly<Record<string, Bucket>> = {
  run: 'run',
  runsync: 'runsync',
  status: 'status',
  'status-sync': 'status',
  stream: 'status',
  cancel: 'cancel',
  retry: 'retry',
  'purge-queue': 'purgeQueue',
  health: 'health',
};

/**
 * Events over the last 10 s as a ring of per-second counters: slot `s % SLOTS` holds second `s`, and an event
 * leaves the window when its second is SLOTS seconds old. At one-second resolution an event therefore counts
 * for between 9 and 10 s; memory and time per call are constant.
 */
export class SlidingWindow {
  private readonly counts: number[] = new Array<number>(SLOTS).fill(0);
  private readonly seconds: number[] = new Array<number>(SLOTS).fill(-Infinity);

  /** Events still inside the window at `now`. */
  count(now: number): number {
    const current = Math.floor(now / SLOT_MS);
    let total = 0;
    for (let i = 0; i < SLOTS; i++) if (this.seconds[i]! > current - SLOTS) total += this.counts[i]!;
    return total;
  }

  /** Milliseconds until one more event would fit under `limit`; 0 if it fits now. */
  waitMs(now: number, limit: number): number {
    const current = Math.floor(now / SLOT_MS);
    let excess = this.count(now) - limit + 1;
    if (excess <= 0) return 0;
    for (let second = current - SLOTS + 1; second <= current; second++) {
      const i = second % SLOTS;
      if (this.seconds[i] !== second) continue;
      excess -= this.counts[i]!;
      if (excess <= 0) return (second + SLOTS) * SLOT_MS - now;
    }
    return RATE_WINDOW_MS;
  }

  /** Counts one event at `now`. */
  add(now: number): void {
    const second = Math.floor(now / SLOT_MS);
    const i = second % SLOTS;
    if (this.seconds[i] !== second) {
      this.seconds[i] = second;
      this.counts[i] = 0;
    }
    this.counts[i]!++;
  }
}

interface BucketState {
  window: SlidingWindow;
  inFlight: number;
}

export type Admission = { release: () => void } | { retryAfterSeconds: number };

/**
 * Admits or refuses requests per key; a refused request is not counted. Limits are read on every call, so a
 * configuration change applies at once to the history already counted.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(private readonly now: Clock) {}

  acquire(key: string, limit: RateLimitConfig): Admission {
    let state = this.buckets.get(key);
    if (!state) {
      state = { window: new SlidingWindow(), inFlight: 0 };
      this.buckets.set(key, state);
    }
    const now = this.now();
    // Nobody can say when a held request ends: a full concurrency cap asks for the shortest wait.
    if (limit.concurrent !== false && state.inFlight >= limit.concurrent) return { retryAfterSeconds: 1 };
    const wait = limit.per10s === false ? 0 : state.window.waitMs(now, limit.per10s);
    if (wait > 0) return { retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    state.window.add(now);
    state.inFlight++;
    let released = false;
    const bucket = state;
    return {
      release: () => {
        if (released) return;
        released = true;
        bucket.inFlight--;
      },
    };
  }

  /** Requests of `key` now in flight (tests, metrics). */
  inFlight(key: string): number {
    return this.buckets.get(key)?.inFlight ?? 0;
  }
}

/** Runs `release` once the response is written or its connection is gone, whichever comes first. */
function releaseWhenDone(reply: FastifyReply, release: () => void): void {
  const raw = reply.raw;
  // A connection that closed before this hook ran emits no further events.
  if (raw.destroyed || raw.writableFinished) return release();
  raw.once('finish', release);
  raw.once('close', release);
}

/** The admission hook define-route calls for every route: throws 429 with Retry-After over a limit. */
export function createRateLimitHook(now: Clock): (route: AdmittedRoute, reply: FastifyReply) => void {
  const limiter = new RateLimiter(now);
  return (route, reply) => {
    if (route.kind === 'worker' || route.endpoint.rateLimits === false) return;
    const bucket = BUCKET_OF[route.operation];
    const limit = bucket && route.endpoint.rateLimits[bucket];
    if (!limit) return;
    const admission = limiter.acquire(`${route.endpointId}\n${bucket}`, limit);
    if ('retryAfterSeconds' in admission) {
      void reply.header('Retry-After', String(admission.retryAfterSeconds));
      throw new SluiceError('ERR_RATE_LIMITED');
    }
    releaseWhenDone(reply, admission.release);
  };
}
