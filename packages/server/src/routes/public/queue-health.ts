// `purge-queue` (spec §4.8) and `health` (spec §4.9).
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';

export function registerQueueHealthRoutes(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'purge-queue',
    url: '/v2/:endpointId/purge-queue',
    methods: ['POST'],
    kind: 'client-write',
    handler: async (ctx) => ({ removed: await services.jobs.purgeQueue(ctx.endpointId), status: 'completed' }),
  });

  defineRoute(app, services, {
    operation: 'health',
    url: '/v2/:endpointId/health',
    methods: ['GET'],
    kind: 'client-read',
    handler: (ctx) => services.health.health(ctx.endpointId),
  });
}
