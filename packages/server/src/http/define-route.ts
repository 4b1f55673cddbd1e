// Registers one RunPod-style route: answers 405 (with Allow) for other methods, checks auth before the
// endpoint is resolved (spec §1.2), resolves the endpoint, and hands the handler an abort signal that fires
// when the client goes away or the server shuts down.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError, isSluiceError } from '@sluice/protocol';
import type { Clock } from '../clock.js';
import type { EndpointConfig } from '../config/config-schema.js';
import type { RouteKind } from './auth.js';
import type { AppServices } from './app-services.js';
import { sleep } from '../jobs/sleep.js';
import { WorkerIdCheck } from './worker-id-check.js';

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

export interface RouteContext {
  endpointId: string;
  endpoint: EndpointConfig;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  /** Aborts when the client disconnects or the server begins shutting down. */
  signal: AbortSignal;
}

export interface RouteDefinition {
  /** Operation name, for logs and rate limits. */
  operation: string;
  url: string;
  methods: ReadonlyArray<'GET' | 'POST'>;
  kind: RouteKind;
  /**
   * Worker long-poll routes answer any error (a wrong key, an unknown endpoint, a store outage) only after
   * the normal hold: runpod-python re-polls at once after an error (spec §1.2, §6.2).
   */
  holdErrors?: boolean;
  /**
   * Byte cap for the body, checked from Content-Length before the body is read, when Fastify's server-wide
   * limit cuts it off, and on the bytes read. Its owner says what it is (a worker post's is WorkerPosts').
   */
  bodyCap?: (ctx: RouteContext) => BodyCap;
  handler: (ctx: RouteContext, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

export interface BodyCap {
  bytes: number;
  /** The 413 to answer past the cap; a worker post fails its job first (spec §2.6). */
  refuse: () => Promise<SluiceError>;
}

/** A cap that only refuses the body: nothing else happens past it. */
export function plainCap(bytes: number, message: string): BodyCap {
  return { bytes, refuse: () => Promise.resolve(new SluiceError('ERR_PAYLOAD_TOO_LARGE', message)) };
}

const contexts = new WeakMap<FastifyRequest, RouteContext>();
const holds = new WeakMap<FastifyRequest, HeldError>();
/** One per app: which refused worker ids were logged already. */
const workerIdChecks = new WeakMap<AppServices, WorkerIdCheck>();

/** Calls `onLost` if the connection closes before the whole response was handed to the OS. */
export function onResponseLost(reply: FastifyReply, onLost: () => void): void {
  // A connection that closed before this was called emits no further events.
  if (reply.raw.destroyed && !reply.raw.writableFinished) return onLost();
  let finished = false;
  reply.raw.once('finish', () => (finished = true));
  reply.raw.once('close', () => {
    if (!finished) onLost();
  });
}

/**
 * A signal that aborts when the client goes away or `shutdown` aborts. Built by hand rather than with
 * AbortSignal.any, which on Node 20 keeps every composite alive as long as the long-lived shutdown signal.
 */
export function requestSignal(reply: FastifyReply, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (shutdown.aborted) abort();
  else {
    shutdown.addEventListener('abort', abort, { once: true });
    reply.raw.once('close', () => shutdown.removeEventListener('abort', abort));
  }
  onResponseLost(reply, abort);
  return controller.signal;
}

interface HeldError {
  startedAt: number;
  signal: () => AbortSignal;
}

/** Waits out the rest of the hold before an error goes back to a polling worker; back-off answers go at once. */
async function holdBeforeError(err: unknown, hold: HeldError, holdMs: number, now: Clock): Promise<never> {
  if (!(isSluiceError(err) && err.code === 'ERR_WORKER_BACKOFF')) {
    await sleep(hold.startedAt + holdMs - now(), hold.signal());
  }
  throw err;
}

async function enforceCap(cap: BodyCap | undefined, length: number): Promise<void> {
  if (cap && length > cap.bytes) throw await cap.refuse();
}

export function defineRoute(app: FastifyInstance, services: AppServices, def: RouteDefinition): void {
  app.route({
    method: [...ALL_METHODS],
    url: def.url,
    config: { operation: def.operation },
    // Runs before the body is read, so a wrong key or an oversized declared body costs no buffering.
    onRequest: async (request, reply) => {
      if (!(def.methods as readonly string[]).includes(request.method)) {
        void reply.header('Allow', def.methods.join(', '));
        throw new SluiceError('ERR_METHOD_NOT_ALLOWED');
      }
      const params = request.params as Record<string, string>;
      const endpointId = params['endpointId'] ?? '';
      const ends = def.kind === 'worker' ? services.shutdownSignal : services.clientHoldsEnd;
      // Made on first use: most requests never wait, and the listeners cost on every request. One made after
      // the client left aborts at once (onResponseLost).
      let made: AbortSignal | undefined;
      const signal = (): AbortSignal => (made ??= requestSignal(reply, ends));
      const held: HeldError = { startedAt: services.now(), signal };
      if (def.holdErrors) holds.set(request, held);
      try {
        services.auth.check(request.headers.authorization, def.kind, endpointId, params['workerId']);
        const endpoint = services.endpoints.require(endpointId);
        if (def.kind === 'worker' && params['workerId'] !== undefined) {
          let ids = workerIdChecks.get(services);
          if (!ids) workerIdChecks.set(services, (ids = new WorkerIdCheck()));
          ids.check(endpointId, params['workerId'], request.log);
        }
        const query = request.query as RouteContext['query'];
        const ctx: RouteContext = {
          endpointId,
          endpoint,
          params,
          query,
          get signal() {
            return signal();
          },
        };
        contexts.set(request, ctx);
        services.admit?.({ operation: def.operation, kind: def.kind, endpointId, endpoint }, reply);
        await enforceCap(def.bodyCap?.(ctx), Number(request.headers['content-length'] ?? 0));
      } catch (err) {
        if (def.holdErrors) await holdBeforeError(err, held, services.config.server.workerPollHoldMs, services.now);
        throw err;
      }
    },
    // A body over the server-wide limit (sent without Content-Length, so not refused in onRequest) is cut off by
    // Fastify before the handler runs: it still fails the job of a worker post, with the route's own 413.
    // Fastify awaits an async error handler and passes what it throws to the app's error handler.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    errorHandler: async (err: FastifyError, request) => {
      const ctx = contexts.get(request);
      if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE' || !ctx || !def.bodyCap) throw err;
      throw await def.bodyCap(ctx).refuse();
    },
    handler: async (request, reply) => {
      const ctx = contexts.get(request);
      if (!ctx) throw new Error('route context missing');
      try {
        await enforceCap(def.bodyCap?.(ctx), Buffer.isBuffer(request.body) ? request.body.length : 0);
        return await def.handler(ctx, request, reply);
      } catch (err) {
        const held = holds.get(request);
        if (held) await holdBeforeError(err, held, services.config.server.workerPollHoldMs, services.now);
        throw err;
      }
    },
  });
}
