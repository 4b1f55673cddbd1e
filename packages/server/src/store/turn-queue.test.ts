// TurnQueue: one flush per event-loop turn with everything queued in it, a bounded batch spills into later
// turns, drain() flushes at once, and each caller settles with what the flush gave its own entry.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnQueue, type Queued } from './turn-queue.js';

function recording(maxBatch?: number) {
  const batches: number[][] = [];
  const queue = new TurnQueue<number, number>((batch: Queued<number, number>[]) => {
    batches.push(batch.map((entry) => entry.item));
    for (const entry of batch) {
      if (entry.item < 0) entry.reject(new Error(`refused ${entry.item}`));
      else entry.resolve(entry.item * 10);
    }
  }, maxBatch);
  return { queue, batches };
}

describe('TurnQueue', () => {
  it('hands one turn’s items to one flush, and each caller gets its own result or error', async () => {
    const { queue, batches } = recording();
    const results = await Promise.allSettled([queue.submit(1), queue.submit(-2), queue.submit(3)]);
    expect(batches).toEqual([[1, -2, 3]]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      10,
      'Error: refused -2',
      30,
    ]);
    await queue.submit(4);
    expect(batches).toEqual([[1, -2, 3], [4]]);
  });

  it('flushes nothing before the turn ends', async () => {
    const { queue, batches } = recording();
    const done = queue.submit(1);
    await Promise.resolve();
    expect(batches).toEqual([]);
    await done;
    expect(batches).toEqual([[1]]);
  });

  it('spills what exceeds maxBatch into later turns', async () => {
    const { queue, batches } = recording(2);
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => queue.submit(n)));
    await nextTurn();
    expect(batches).toEqual([[1, 2]]);
    expect(await all).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('drain() flushes everything pending at once, in bounded batches', async () => {
    const { queue, batches } = recording(2);
    const all = Promise.all([1, 2, 3].map((n) => queue.submit(n)));
    queue.drain();
    expect(batches).toEqual([[1, 2], [3]]);
    expect(await all).toEqual([10, 20, 30]);
    await nextTurn();
    expect(batches).toHaveLength(2);
  });
});
