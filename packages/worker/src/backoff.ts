// Exponential backoff with jitter for failed polls, so a broken server never meets a hot loop of requests.

export interface BackoffOptions {
  /** First delay, before jitter (default 250). */
  initialMs?: number;
  /** Ceiling of any delay (default 5000). */
  maxMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export interface Backoff {
  /** The delay to wait before the next attempt; each call doubles the base up to the cap. */
  next(): number;
  /** Called after a healthy answer, so the next failure starts small again. */
  reset(): void;
}

/**
 * "Equal jitter": the delay is half the current base plus a random share of the other half. It is
 * never below half the base, so even unlucky draws cannot shrink into a hot loop, and workers that
 * failed together spread out instead of retrying in lockstep.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = Math.max(1, options.initialMs ?? 250);
  const maxMs = Math.max(initialMs, options.maxMs ?? 5000);
  const random = options.random ?? Math.random;
  let failures = 0;
  return {
    next() {
      const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
      failures++;
      return Math.round(base / 2 + random() * (base / 2));
    },
    reset() {
      failures = 0;
    },
  };
}
