// Commands issued during one event-loop turn go to Redis as one pipeline: one socket write and one read for
// all of them, instead of a write syscall per command (ioredis' own auto-pipelining only groups commands of
// one tick, and concurrent requests each run in a tick of their own). Under load a turn carries the scripts
// of many requests; when idle the wait is one turn. Each command still settles with its own reply or error.
import { setImmediate } from 'node:timers';
import type { ChainableCommander, Redis } from 'ioredis';

interface Queued {
  add(pipeline: ChainableCommander): void;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

export class TurnPipeline {
  private queue: Queued[] = [];

  constructor(private readonly redis: Redis) {}

  /** Queues one command (`add` appends it to the pipeline) and settles with its reply. */
  call(add: (pipeline: ChainableCommander) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ add, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch: Queued[] = [];
    const pipeline = this.redis.pipeline();
    for (const entry of this.queue) {
      try {
        entry.add(pipeline);
        batch.push(entry);
      } catch (error) {
        entry.reject(error);
      }
    }
    this.queue = [];
    if (batch.length === 0) return;
    pipeline.exec().then(
      (replies) => {
        batch.forEach((entry, i) => {
          const [error, reply] = replies?.[i] ?? [new Error('no reply in the pipeline answer'), undefined];
          if (error) entry.reject(error);
          else entry.resolve(reply);
        });
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
}
