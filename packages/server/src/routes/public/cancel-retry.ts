// `cancel/{id}` (spec §4.6, idempotent) and `retry/{id}` (spec §4.7).
import type { FastifyInstance } from 'fastify';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';
import { toStatusObject } from '../../store/job-record.js';

export function registerCancelRetryRoutes(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'cancel',
    url: '/v2/:endpointId/cancel/:jobId',
    methods: ['POST'],
    kind: 'client-write',
    handler: async (ctx) => {
      const job = await services.jobs.cancel(ctx.endpointId, ctx.params['jobId'] ?? '');
      return toStatusObject(job, services.now());
    },
  });

  defineRoute(app, services, {
    operation: 'retry',
    url: '/v2/:endpointId/retry/:jobId',
    methods: ['POST'],
    kind: 'client-write',
    handler: async (ctx) => {
      const job = await services.jobs.retry(ctx.endpointId, ctx.params['jobId'] ?? '');
      return { id: job.id, status: job.status };
    },
  });
}
