// GPU placement: unshared indices per worker, given back on exit.
import { describe, expect, it } from 'vitest';
import { GpuPool, gpuLabel } from './gpu-pool.js';

describe('GpuPool', () => {
  it('hands out unshared GPUs, lowest first, and refuses when too few are free', () => {
    const pool = new GpuPool([3, 1, 0, 2, 2]);
    expect(pool.size).toBe(4);
    const a = pool.take(2);
    const b = pool.take(2);
    expect(a).toEqual([0, 1]);
    expect(b).toEqual([2, 3]);
    expect(pool.take(2)).toBeUndefined();
    expect(pool.take(0)).toEqual([]);
    pool.give(a!);
    expect(pool.available()).toBe(2);
    expect(pool.take(1)).toEqual([0]);
  });

  it('places nothing that needs more GPUs than the server has', () => {
    expect(new GpuPool([0]).take(2)).toBeUndefined();
    expect(new GpuPool([]).take(1)).toBeUndefined();
  });

  it('labels workers by their GPUs, or cpu', () => {
    expect(gpuLabel([])).toBe('cpu');
    expect(gpuLabel([0, 1])).toBe('gpu0-1');
    expect(gpuLabel([5])).toBe('gpu5');
  });
});
