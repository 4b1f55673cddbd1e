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

  it('runWithin runs sooner than the period, and a later ask does not push back an earlier one', async () => {
    const { loop, runs } = counting();
    loop.start();
    loop.runWithin(300);
    loop.runWithin(600);
    await vi.advanceTimersByTimeAsync(1350);
    expect(runs).toEqual([300, 1300]);
    await loop.stop();
  });

  it('soon() does not push back an earlier run already asked for', async () => {
    const { loop, runs } = counting();
    loop.start();
    await vi.advanceTimersByTimeAsync(100);
    loop.runWithin(200);
    loop.soon();
    await vi.advanceTimersByTimeAsync(250);
    expect(runs).toEqual([100, 300]);
    await loop.stop();
  });

  it('a runWithin asked for during a run still starts on time, or right after the run', async () => {
    let release!: () => void;
    const { loop, runs } = counting(async () => {
      if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    loop.start({ immediately: true });
    loop.runWithin(100);
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([0]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0, 500]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([0, 500, 1500]);
    await loop.stop();
  });

  it('reads time from the clock it was given', async () => {
    let now = 5_000;
    const runs: number[] = [];
    const loop = new PeriodicLoop({
      everyMs: 1000,
      now: () => now,
      run: () => {
        runs.push(now);
        return Promise.resolve();
      },
      onError: () => undefined,
    });
    loop.runWithin(500);
    // On the given clock 300 ms have passed: asking for 400 more is later than the run already due.
    now = 5_300;
    loop.runWithin(400);
    await vi.advanceTimersByTimeAsync(450);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(50);
    expect(runs).toEqual([5_300]);
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
