// Clock and summary statistics shared by the scenarios and the worker processes they start.

/**
 * Milliseconds on CLOCK_MONOTONIC (process.hrtime), with sub-microsecond resolution. On Linux every process
 * on the machine reads the same clock, so a timestamp taken in a worker process compares directly with one
 * taken here, unlike Date.now() (whole milliseconds, and wall-clock steps).
 */
export function monoMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** { n, min, p50, p99, max, mean } of a list of numbers. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? NaN : sorted.reduce((s, v) => s + v, 0) / n;
  return {
    n,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[n - 1] ?? NaN,
    mean,
  };
}

/** Rounds to `digits` decimals, keeping NaN and undefined as null for JSON. */
export function round(value, digits = 2) {
  if (value === undefined || value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs `fn(i)` for i in 0..count-1 with at most `concurrency` calls in flight. */
export async function pool(count, concurrency, fn) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await fn(next++);
  });
  await Promise.all(lanes);
}

/** Polls `check` every `everyMs` until it returns something other than undefined; throws after `timeoutMs`. */
export async function waitFor(check, { timeoutMs = 30_000, everyMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
