// ctx.sleep: waits, ends at once on abort, and leaves no abort listener behind however often it is called.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleepUnlessAborted } from './sleep.js';

describe('sleepUnlessAborted', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves after the delay and removes its abort listener', async () => {
    const controller = new AbortController();
    let done = false;
    const sleeping = sleepUnlessAborted(1000, controller.signal).then(() => (done = true));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('leaves nothing behind after many sleeps on one signal (no MaxListenersExceededWarning)', async () => {
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      for (let step = 0; step < 50; step++) {
        const sleeping = sleepUnlessAborted(10, controller.signal);
        await vi.advanceTimersByTimeAsync(10);
        await sleeping;
      }
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('rejects with the abort reason as soon as the signal aborts, clearing its timer', async () => {
    const controller = new AbortController();
    const sleeping = sleepUnlessAborted(60_000, controller.signal);
    const reason = new DOMException('job stopped', 'AbortError');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleepUnlessAborted(5, controller.signal)).rejects.toBe(reason);
  });
});
