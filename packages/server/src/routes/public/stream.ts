// `stream/{id}` (spec §4.5): long-polls for undelivered items, consumes them once, always sends `stream`.
import type { FastifyInstance } from 'fastify';
import { DEFAULTS, RANGES, parseIntegerParam, type StreamObject } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';
import { toStatusObject } from '../../store/job-record.js';

export function registerStreamRoute(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'stream',
    url: '/v2/:endpointId/stream/:jobId',
    methods: ['GET', 'POST'],
    kind: 'client-read',
    handler: async (ctx) => {
      const wait = parseIntegerParam('wait', ctx.query['wait'], RANGES.streamWait, DEFAULTS.streamWait);
      const { job, items } = await services.jobs.readStream(
        ctx.endpointId,
        ctx.params['jobId'] ?? '',
        wait,
        ctx.signal,
      );
      const status = toStatusObject(job, Date.now());
      // Progress values never appear here; a streaming job's final output stays in /status (rules 5–7).
      const { output, ...rest } = status;
      const body: StreamObject = { ...rest, stream: items };
      if (job.status === 'COMPLETED' && !job.streaming && output !== undefined) body.output = output;
      return body;
    },
  });
}
