import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Wakeups } from './wakeups.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Wakeups', () => {
  it('returns at once when the key was notified after the caller read its sequence', async () => {
    const w = new Wakeups();
    const seq = w.seq('j:a');
    w.notifyAll('j:a');
    await expect(w.wait('j:a', seq, 10_000)).resolves.toBe(true);
  });

  it('notifyOne wakes only the longest waiter; notifyAll wakes every one', async () => {
    const w = new Wakeups();
    const results: string[] = [];
    const first = w.wait('q:e', w.seq('q:e'), 10_000).then((r) => results.push(`first:${r}`));
    const second = w.wait('q:e', w.seq('q:e'), 10_000).then((r) => results.push(`second:${r}`));
    w.notifyOne('q:e');
    await first;
    expect(results).toEqual(['first:true']);
    w.notifyAll('q:e');
    await second;
    expect(results).toEqual(['first:true', 'second:true']);
  });

  it('times out, and aborts with the signal, answering false', async () => {
    const w = new Wakeups();
    const timed = w.wait('j:b', 0, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(timed).resolves.toBe(false);
    const controller = new AbortController();
    const aborted = w.wait('j:b', w.seq('j:b'), 10_000, controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBe(false);
    expect(w.waiterCount('j:b')).toBe(0);
  });

  it('wakeEverything releases all holds (shutdown)', async () => {
    const w = new Wakeups();
    const held = [w.wait('q:x', 0, 60_000), w.wait('j:y', 0, 60_000)];
    w.wakeEverything();
    await expect(Promise.all(held)).resolves.toEqual([true, true]);
  });

  it('prunes idle slots only after they have been quiet for a while', () => {
    const w = new Wakeups();
    w.notifyAll('j:z');
    const seq = w.seq('j:z');
    w.prune(Date.now() + 1000);
    expect(w.seq('j:z')).toBe(seq);
    w.prune(Date.now() + 120_000);
    expect(w.seq('j:z')).toBe(0);
  });
});
