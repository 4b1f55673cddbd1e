// `status/{id}` (spec §4.3, answers at once, `?ttl=` moves the deadline) and `status-sync/{id}` (spec §4.4, and
// as server-sent events on request, §9.1).
import type { FastifyInstance } from 'fastify';
import { DEFAULTS, RANGES, parseIntegerParam } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';
import { sendEvents, wantsEventStream } from '../../http/event-stream.js';
import { toStatusObject } from '../../store/job-record.js';

export function registerStatusRoutes(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'status',
    url: '/v2/:endpointId/status/:jobId',
    methods: ['GET', 'POST'],
    kind: 'client-read',
    handler: async (ctx) => {
      const ttl = parseIntegerParam('ttl', ctx.query['ttl'], RANGES.statusTtl);
      const jobId = ctx.params['jobId'] ?? '';
      const job =
        ttl === undefined
          ? await services.jobs.get(ctx.endpointId, jobId)
          : await services.jobs.setTtl(ctx.endpointId, jobId, ttl);
      return toStatusObject(job, services.now());
    },
  });

  defineRoute(app, services, {
    operation: 'status-sync',
    url: '/v2/:endpointId/status-sync/:jobId',
    methods: ['GET', 'POST'],
    kind: 'client-read',
    handler: async (ctx, request, reply) => {
      const wait = parseIntegerParam('wait', ctx.query['wait'], RANGES.statusSyncWait, DEFAULTS.statusSyncWait);
      const jobId = ctx.params['jobId'] ?? '';
      if (wantsEventStream(request.headers.accept)) {
        const events = services.jobs.watchStatus(ctx.endpointId, jobId, wait, ctx.signal);
        return sendEvents(reply, events, ({ kind, job }) => ({
          event: kind,
          data: toStatusObject(job, services.now()),
        }));
      }
      const job = await services.jobs.waitForTerminal(ctx.endpointId, jobId, wait, ctx.signal);
      return toStatusObject(job, services.now());
    },
  });
}
