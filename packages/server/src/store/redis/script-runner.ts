// How the Redis store talks to Redis: runs a store script on one endpoint's keys (KEYS[1] = its hash tag,
// ARGV = its own arguments), runs MULTI reads, keeps the set of endpoints, and turns every driver
// failure into a SluiceError on the way out.
import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { toStoreError } from './redis-connection.js';
import type { TurnPipeline } from './turn-pipeline.js';
import { endpointTag, endpointsKey, readinessKey } from './redis-keys.js';
import { SCRIPTS, type ScriptName } from './scripts/index.js';

type ScriptCommand = (tag: string, ...args: string[]) => unknown;

export class ScriptRunner {
  /** Endpoints this process has registered in {p}:endpoints (saves a SADD per enqueue). */
  private readonly knownEndpoints = new Set<string>();

  constructor(
    readonly redis: Redis,
    /** Scripts go out with the turn's other commands (turn-pipeline.ts). */
    private readonly turn: TurnPipeline,
    private readonly prefix: string,
  ) {}

  /** The hash tag, and key base, of every key of the endpoint. */
  tag(endpointId: string): string {
    return endpointTag(this.prefix, endpointId);
  }

  /** Runs one store script on the endpoint's keys. */
  script(name: ScriptName, endpointId: string, ...args: (string | number)[]): Promise<unknown> {
    const scriptName = SCRIPTS[name].name;
    const tag = this.tag(endpointId);
    return this.command(
      this.turn.call((pipeline) => {
        const command = (pipeline as unknown as Record<string, ScriptCommand>)[scriptName];
        if (command === undefined) throw new Error(`script ${name} is not defined on this connection`);
        void command.call(pipeline, tag, ...args.map(String));
      }),
    );
  }

  /** A Redis call whose failures become SluiceErrors (toStoreError). */
  command<T>(pending: Promise<T>): Promise<T> {
    return pending.catch((error: unknown) => {
      throw toStoreError(error);
    });
  }

  /** Runs a MULTI block (one atomic read) and returns its replies, failing on the first failed command. */
  async execMulti(multi: ChainableCommander): Promise<unknown[]> {
    const replies = (await this.command(multi.exec())) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw toStoreError(error);
      return reply;
    });
  }

  /**
   * A unique base for the webhook delivery ids one script call may create; the script appends ".<n>". The
   * endpoint id leads, so settleWebhook finds the endpoint's keys from a delivery id alone.
   */
  nonce(endpointId: string): string {
    return `${endpointId}.${randomUUID()}`;
  }

  /** The endpoint of a delivery id made from nonce(), or undefined for an id no store made. */
  endpointOfDelivery(id: string): string | undefined {
    const dot = id.indexOf('.');
    return dot > 0 ? id.slice(0, dot) : undefined;
  }

  /** Records that the endpoint has jobs, so every server's expire and outbox walk include it. */
  async registerEndpoint(endpointId: string): Promise<void> {
    if (this.knownEndpoints.has(endpointId)) return;
    await this.command(this.redis.sadd(endpointsKey(this.prefix), endpointId));
    this.knownEndpoints.add(endpointId);
  }

  /** A small write with an expiry: fails while Redis is unreachable or refuses writes (OOM, MISCONF, READONLY). */
  async probeWrite(now: number): Promise<void> {
    await this.command(this.redis.set(readinessKey(this.prefix), String(now), 'PX', 60_000));
  }

  /** Every endpoint that ever had a job on this prefix, from any server. */
  async endpoints(): Promise<string[]> {
    const stored = await this.command(this.redis.smembers(endpointsKey(this.prefix)));
    return [...new Set([...stored, ...this.knownEndpoints])].sort();
  }
}
