// Whole-GPU placement for launched workers: `server.gpus` is the pool; a worker of an endpoint with gpuCount N
// takes N indices that no other live worker holds, and gives them back when its process has exited.

export class GpuPool {
  private readonly free: number[];
  readonly size: number;

  constructor(gpus: readonly number[]) {
    this.free = [...new Set(gpus)].sort((a, b) => a - b);
    this.size = this.free.length;
  }

  /** N unshared GPU indices (lowest first), [] for N = 0, or undefined when fewer than N are free. */
  take(count: number): number[] | undefined {
    if (count <= 0) return [];
    if (this.free.length < count) return undefined;
    return this.free.splice(0, count);
  }

  give(gpus: readonly number[]): void {
    for (const gpu of gpus) if (!this.free.includes(gpu)) this.free.push(gpu);
    this.free.sort((a, b) => a - b);
  }

  available(): number {
    return this.free.length;
  }
}

/** The worker's `gpu` label (spec §7.1, URL-safe): `cpu`, or the indices it holds, e.g. `gpu0-1`. */
export function gpuLabel(gpus: readonly number[]): string {
  return gpus.length === 0 ? 'cpu' : `gpu${gpus.join('-')}`;
}
