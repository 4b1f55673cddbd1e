// Cross-server wake-ups over Redis pub/sub: one channel per key prefix, published on the store's command
// connection (with the turn's scripts, turn-pipeline.ts) and received on a connection of its own (a subscribed
// connection can run nothing else). Each store instance stamps its messages with a random origin id and drops its
// own on receipt, so a server never wakes its long-polls twice for one change. Delivery is best effort, as
// StoreSignals allows: a message lost in an outage only delays a waiter until its hold ends and it re-checks.
//
// A server alone on its prefix publishes nothing: PUBLISH answers how many connections received the message, and
// when that is only this store's own subscriber, publishing stops. It resumes when another store says hello (sent
// by every store once it is subscribed, and again after each reconnect), and one publish every PROBE_MS still
// goes out while quiet, so a hello lost in an outage costs at most that long.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { StoreSignal, StoreSignals } from '../store-signals.js';
import type { TurnPipeline } from './turn-pipeline.js';

const KINDS: ReadonlySet<string> = new Set<StoreSignal['kind']>(['queue', 'job', 'stream', 'stop']);
const HELLO = 'hello';
/** While quiet, one publish per this period checks whether anybody listens after all. */
export const PROBE_MS = 5000;

/** The wire form: "<origin>\n<kind>\n<endpointId>\n<id>" (ids never contain a newline). */
function encode(origin: string, signal: StoreSignal): string {
  return `${origin}\n${signal.kind}\n${signal.endpointId}\n${signal.id}`;
}

type Message = { origin: string; signal: StoreSignal } | { origin: string; hello: true };

function decode(message: string): Message | undefined {
  const [origin, kind, endpointId, id, ...rest] = message.split('\n');
  if (origin === undefined || kind === undefined || endpointId === undefined || id === undefined) return undefined;
  if (rest.length > 0) return undefined;
  if (kind === HELLO) return { origin, hello: true };
  if (!KINDS.has(kind)) return undefined;
  return { origin, signal: { kind: kind as StoreSignal['kind'], endpointId, id } };
}

export class RedisStoreSignals implements StoreSignals {
  /** Identifies this store instance (one per server process) on the channel. */
  readonly origin = randomUUID();
  private readonly listeners = new Set<(signal: StoreSignal) => void>();
  private closed = false;
  /** Whether another connection may receive what this store publishes; until a reply says otherwise, yes. */
  private othersListen = true;
  /** Counts hellos: a PUBLISH reply sent before the latest hello says nothing about the newcomer. */
  private hellos = 0;
  /** Whether this store's own subscriber is on the channel (it is one of the receivers PUBLISH counts). */
  private subscribed = false;
  private started = false;
  private lastProbe = 0;

  constructor(
    private readonly publisher: TurnPipeline,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly now: () => number = Date.now,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const decoded = decode(message);
      if (decoded === undefined || decoded.origin === this.origin) return;
      if ('hello' in decoded) {
        this.hellos++;
        this.othersListen = true;
        return;
      }
      for (const listener of this.listeners) listener(decoded.signal);
    });
    subscriber.on('close', () => {
      this.subscribed = false;
    });
    // ioredis subscribes again by itself after a reconnect: say hello again, others may have gone quiet meanwhile.
    subscriber.on('ready', () => {
      if (this.started && !this.subscribed && !this.closed) this.sayHello().catch(() => undefined);
    });
  }

  /** Subscribes the receiving connection and tells the other stores on the channel to publish. */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel);
    this.started = true;
    await this.sayHello();
  }

  /** False while this store is alone on its channel and keeps its signals to itself. */
  get publishing(): boolean {
    return this.othersListen;
  }

  publish(signal: StoreSignal): void {
    if (this.closed) return;
    const now = this.now();
    if (!this.othersListen && now - this.lastProbe < PROBE_MS) return;
    this.lastProbe = now;
    const hellos = this.hellos;
    // Fire and forget: a wake-up lost in an outage costs latency, never correctness.
    const message = encode(this.origin, signal);
    this.publisher
      .call((pipeline) => void pipeline.publish(this.channel, message))
      .then((receivers) => this.heard(receivers, hellos))
      .catch(() => undefined);
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

  private async sayHello(): Promise<void> {
    this.subscribed = true;
    this.lastProbe = this.now();
    const hellos = this.hellos;
    const receivers = await this.publisher.call(
      (pipeline) => void pipeline.publish(this.channel, `${this.origin}\n${HELLO}\n\n`),
    );
    this.heard(receivers, hellos);
  }

  /** Learns from a PUBLISH reply whether anybody but this store's own subscriber received it. */
  private heard(receivers: unknown, hellos: number): void {
    if (typeof receivers !== 'number' || hellos !== this.hellos) return;
    this.othersListen = receivers > (this.subscribed ? 1 : 0);
  }
}
