// `GET /metrics` (spec §9.4): Prometheus text, at the root (not under /v2), optionally behind its own bearer
// token; and the hook that counts every HTTP answer and every job submission.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '@sluice/protocol';
import { credentialFrom } from '../http/auth.js';
import type { SluiceMetrics } from './sluice-metrics.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The route's operation (run, job-take, ...) for RunPod routes, its URL pattern for others. */
function routeName(request: FastifyRequest): string {
  const config = request.routeOptions.config as { operation?: string } | undefined;
  return config?.operation ?? request.routeOptions.url ?? 'unmatched';
}

export function registerMetricsRoute(app: FastifyInstance, metrics: SluiceMetrics, token?: string): void {
  const expected = token === undefined ? undefined : digest(token);
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeName(request);
    metrics.httpResponse(route, reply.statusCode);
    // A replayed idempotent submission created nothing.
    if (
      (route === 'run' || route === 'runsync') &&
      reply.statusCode === 200 &&
      !reply.hasHeader('idempotent-replayed')
    ) {
      const endpointId = (request.params as Record<string, string | undefined>)['endpointId'];
      if (endpointId !== undefined) metrics.jobSubmitted(endpointId);
    }
    done();
  });
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const given = credentialFrom(request.headers.authorization);
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new SluiceError('ERR_AUTH_UNAUTHORIZED');
      }
    }
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(text);
  });
}
