// PeriodicLoop: one run at a time, a run asked for mid-run happens right after it, errors do not stop it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PeriodicLoop } from './periodic-loop.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function counting(run: () => Promise<void> = () => Promise.resolve()) {
  const runs: number[] = [];
  const errors: unknown[] = [];
  const loop = new PeriodicLoop({
    everyMs: 1000,
    run: () => {
      runs.push(Date.now());
      return run();
    },
    onError: (err) => errors.push(err),
  });
  return { loop, runs, errors };
}

describe('PeriodicLoop', () => {
  it('runs one period after start, then one period after each run ends', async () => {
    const { loop, runs } = counting();
    loop.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(runs).toEqual([1000, 2000, 3000]);
    await loop.stop();
  });

  it('runs at once with immediately', async () => {
    const { loop, runs } = counting();
    loop.start({ immediately: true });
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs).toEqual([0, 1000]);
    await loop.stop();
  });

  it('never overlaps runs: soon() during a run runs once more right after it', async () => {
    let release!: () => void;
    let active = 0;
    let most = 0;
    const { loop, runs } = counting(async () => {
      active += 1;
      most = Math.max(most, active);
      if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
      active -= 1;
    });
    loop.start({ immediately: true });
    loop.soon();
    loop.soon();
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0, 0]);
    expect(most).toBe(1);
    await loop.stop();
  });

  it('reports a failed run and keeps going', async () => {
    const { loop, runs, errors } = counting(() => Promise.reject(new Error('boom')));
    loop.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toHaveLength(2);
    expect(errors).toHaveLength(2);
    await loop.stop();
  });

  it('stop waits for the running run and no run follows', async () => {
    let release!: () => void;
    const { loop, runs } = counting(() => new Promise<void>((resolve) => (release = resolve)));
    loop.start({ immediately: true });
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toEqual([0]);
  });
});
