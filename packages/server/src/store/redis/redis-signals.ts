// Cross-server wake-ups over Redis pub/sub: one channel per key prefix, published on the store's command
// connection (with the turn's scripts, turn-pipeline.ts) and received on a connection of its own (a subscribed connection can run nothing else).
// Each store instance stamps its messages with a random origin id and drops its own on receipt, so a server
// never wakes its long-polls twice for one change. Delivery is best effort, as StoreSignals allows: a
// message lost in an outage only delays a waiter until its hold ends and it re-checks the store.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StoreSignal, StoreSignals } from '../job-store.js';
import type { TurnPipeline } from './turn-pipeline.js';

const KINDS: ReadonlySet<string> = new Set<StoreSignal['kind']>(['queue', 'job', 'stream', 'stop']);

/** The wire form: "<origin>\n<kind>\n<endpointId>\n<id>" (ids never contain a newline). */
function encode(origin: string, signal: StoreSignal): string {
  return `${origin}\n${signal.kind}\n${signal.endpointId}\n${signal.id}`;
}

function decode(message: string): { origin: string; signal: StoreSignal } | undefined {
  const [origin, kind, endpointId, id, ...rest] = message.split('\n');
  if (origin === undefined || kind === undefined || endpointId === undefined || id === undefined) return undefined;
  if (rest.length > 0 || !KINDS.has(kind)) return undefined;
  return { origin, signal: { kind: kind as StoreSignal['kind'], endpointId, id } };
}

export class RedisStoreSignals implements StoreSignals {
  /** Identifies this store instance (one per server process) on the channel. */
  readonly origin = randomUUID();
  private readonly listeners = new Set<(signal: StoreSignal) => void>();
  private closed = false;

  constructor(
    private readonly publisher: TurnPipeline,
    private readonly subscriber: Redis,
    private readonly channel: string,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const decoded = decode(message);
      if (decoded === undefined || decoded.origin === this.origin) return;
      for (const listener of this.listeners) listener(decoded.signal);
    });
  }

  /** Subscribes the receiving connection; ioredis re-subscribes by itself after a reconnect. */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel);
  }

  publish(signal: StoreSignal): void {
    if (this.closed) return;
    // Fire and forget: a wake-up lost in an outage costs latency, never correctness.
    const message = encode(this.origin, signal);
    this.publisher.call((pipeline) => void pipeline.publish(this.channel, message)).catch(() => undefined);
  }

  subscribe(listener: (signal: StoreSignal) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Stops delivering and publishing; the connections are closed by the store. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
  }
}
