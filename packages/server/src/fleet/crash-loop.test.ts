// Restart backoff and crash-loop detection of one endpoint's workers.
import { describe, expect, it } from 'vitest';
import { CRASH_LOOP_EXITS, CrashLoopGuard, HEALTHY_RUN_MS, RESTART_BACKOFF_MS } from './crash-loop.js';

describe('CrashLoopGuard', () => {
  it('backs off more after each quick exit, capped, and declares a crash loop at CRASH_LOOP_EXITS', () => {
    const guard = new CrashLoopGuard();
    const delays: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const verdict = guard.exited(100);
      delays.push(verdict.restartDelayMs);
      expect(verdict.quickExits).toBe(i);
      expect(verdict.crashLoop).toBe(i >= CRASH_LOOP_EXITS);
    }
    expect(delays.slice(0, RESTART_BACKOFF_MS.length)).toEqual([...RESTART_BACKOFF_MS]);
    expect(Math.max(...delays)).toBe(30_000);
    // Ten quick exits take at least this long: no hot loop.
    expect(delays.slice(0, 9).reduce((a, b) => a + b, 0)).toBeGreaterThan(60_000);
  });

  it('resets after a worker ran HEALTHY_RUN_MS, whether it exited or still runs', () => {
    const guard = new CrashLoopGuard();
    for (let i = 0; i < CRASH_LOOP_EXITS; i++) guard.exited(10);
    expect(guard.crashLoop).toBe(true);
    expect(guard.exited(HEALTHY_RUN_MS)).toMatchObject({ quickExits: 0, crashLoop: false, restartDelayMs: 500 });
    guard.exited(10);
    expect(guard.recovered()).toBe(true);
    expect(guard.recovered()).toBe(false);
    expect(guard.consecutiveQuickExits).toBe(0);
  });
});
