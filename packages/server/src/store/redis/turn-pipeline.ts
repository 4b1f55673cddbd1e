// Commands issued during one event-loop turn go to Redis as one pipeline: one socket write and one read for
// all of them, instead of a write syscall per command (ioredis' own auto-pipelining only groups commands of
// one tick, and concurrent requests each run in a tick of their own). Under load a turn carries the scripts
// of many requests; when idle the wait is one turn. Each command still settles with its own reply or error.
// The batching per turn is the shared TurnQueue.
import type { ChainableCommander, Redis } from 'ioredis';
import { TurnQueue, type Queued } from '../turn-queue.js';

type AddCommand = (pipeline: ChainableCommander) => void;

export class TurnPipeline {
  private readonly queue = new TurnQueue<AddCommand, unknown>((batch) => this.send(batch));

  constructor(private readonly redis: Redis) {}

  /** Queues one command (`add` appends it to the pipeline) and settles with its reply. */
  call(add: AddCommand): Promise<unknown> {
    return this.queue.submit(add);
  }

  private send(queued: Queued<AddCommand, unknown>[]): void {
    const batch: Queued<AddCommand, unknown>[] = [];
    const pipeline = this.redis.pipeline();
    for (const entry of queued) {
      try {
        entry.item(pipeline);
        batch.push(entry);
      } catch (error) {
        entry.reject(error);
      }
    }
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
