// hold and holdTurns: each turn checks, parks on the key, and the hold ends on an answer, its deadline or abort.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hold, holdTurns } from './hold.js';
import { Wakeups } from './wakeups.js';

const KEY = 'k';

afterEach(() => {
  vi.useRealTimers();
});

describe('hold', () => {
  it('answers at once when the first check is done, without parking', async () => {
    const wakeups = new Wakeups();
    const check = vi.fn(() => Promise.resolve({ done: true, value: 'now' }));
    await expect(hold({ wakeups, key: KEY, waitMs: 60_000, now: Date.now }, check)).resolves.toBe('now');
    expect(check).toHaveBeenCalledTimes(1);
    expect(wakeups.waiterCount(KEY)).toBe(0);
  });

  it('checks again when the key is notified, and says the turn was woken', async () => {
    const wakeups = new Wakeups();
    const seen: boolean[] = [];
    const answer = hold({ wakeups, key: KEY, waitMs: 60_000, now: Date.now }, (woken) => {
      seen.push(woken);
      return Promise.resolve({ done: seen.length === 2, value: seen.length });
    });
    await vi.waitFor(() => expect(wakeups.waiterCount(KEY)).toBe(1));
    wakeups.notifyAll(KEY);
    await expect(answer).resolves.toBe(2);
    expect(seen).toEqual([false, true]);
  });

  it('never misses a notify that lands between the check and the park', async () => {
    const wakeups = new Wakeups();
    let calls = 0;
    const answer = hold({ wakeups, key: KEY, waitMs: 60_000, now: Date.now }, () => {
      calls += 1;
      if (calls === 1) wakeups.notifyAll(KEY);
      return Promise.resolve({ done: calls === 2, value: calls });
    });
    await expect(answer).resolves.toBe(2);
  });

  it('checks once more when the hold runs out, and answers what that check found', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const wakeups = new Wakeups();
    let calls = 0;
    const answer = hold({ wakeups, key: KEY, waitMs: 5_000, now: Date.now }, () => {
      calls += 1;
      return Promise.resolve({ done: false, value: `check ${calls}` });
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(answer).resolves.toBe('check 2');
  });

  it('ends when its signal aborts', async () => {
    const wakeups = new Wakeups();
    const abort = new AbortController();
    const answer = hold({ wakeups, key: KEY, waitMs: 60_000, now: Date.now, signal: abort.signal }, () =>
      Promise.resolve({ done: false, value: 'as is' }),
    );
    await vi.waitFor(() => expect(wakeups.waiterCount(KEY)).toBe(1));
    abort.abort();
    await expect(answer).resolves.toBe('as is');
    expect(wakeups.waiterCount(KEY)).toBe(0);
  });
});

describe('holdTurns', () => {
  it('re-checks every recheckMs without a notify, for as long as the hold lasts', async () => {
    vi.useFakeTimers({ now: 0 });
    const wakeups = new Wakeups();
    const turns: number[] = [];
    const done = (async () => {
      for await (const woken of holdTurns({ wakeups, key: KEY, waitMs: 2_500, now: Date.now, recheckMs: 1_000 })) {
        expect(woken).toBe(false);
        turns.push(Date.now());
      }
    })();
    await vi.advanceTimersByTimeAsync(3_000);
    await done;
    expect(turns).toEqual([0, 1_000, 2_000, 2_500]);
  });
});
