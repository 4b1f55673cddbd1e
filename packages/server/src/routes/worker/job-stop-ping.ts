// `GET job-stop/{workerId}` (spec §6.6, long-poll for stops) and `GET ping/{workerId}` (spec §6.7).
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';
import { gpuLabel, queryValue } from './worker-query.js';

export function registerStopPingRoutes(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'job-stop',
    url: '/v2/:endpointId/job-stop/:workerId',
    methods: ['GET'],
    kind: 'worker',
    holdErrors: true,
    handler: async (ctx, _request, reply) => {
      const workerId = ctx.params['workerId'] ?? '';
      await services.presence.seen(ctx.endpointId, workerId, gpuLabel(ctx));
      const hold = services.config.server.workerPollHoldMs;
      const stops = await services.dispatcher.takeStops(ctx.endpointId, workerId, hold, ctx.signal);
      return stops.length > 0 ? reply.send({ jobsToStop: stops }) : reply.code(204).send();
    },
  });

  defineRoute(app, services, {
    operation: 'ping',
    url: '/v2/:endpointId/ping/:workerId',
    methods: ['GET'],
    kind: 'worker',
    handler: async (ctx) => {
      const jobIds = (queryValue(ctx, 'job_id') ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '')
        .slice(0, 1000);
      const unhealthy =
        queryValue(ctx, 'status') === 'unhealthy'
          ? { check: queryValue(ctx, 'check')?.slice(0, 256), reason: queryValue(ctx, 'reason')?.slice(0, 256) }
          : undefined;
      await services.presence.ping(
        ctx.endpointId,
        ctx.params['workerId'] ?? '',
        { jobIds, version: queryValue(ctx, 'runpod_version')?.slice(0, 64), unhealthy },
        gpuLabel(ctx),
      );
      return {};
    },
  });
}
