// `stream/{id}` (spec §4.5): long-polls for undelivered items, consumes them once, always sends `stream`; or, on
// request, the same items and the job's state changes as server-sent events (spec §9.1).
import type { FastifyInstance } from 'fastify';
import { DEFAULTS, RANGES, parseIntegerParam, type StreamObject } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';
import { sendEvents, wantsEventStream, type WireEvent } from '../../http/event-stream.js';
import type { StreamEvent } from '../../jobs/job-watch.js';
import { toStatusObject, type JobRecord } from '../../store/job-record.js';

/** The stream object without items: progress values never appear; a streaming job's output stays in /status. */
function streamStatus(job: JobRecord, now: number): Omit<StreamObject, 'stream'> {
  const { output, ...rest } = toStatusObject(job, now);
  return job.status === 'COMPLETED' && !job.streaming && output !== undefined ? { ...rest, output } : rest;
}

export function registerStreamRoute(app: FastifyInstance, services: AppServices): void {
  const toWire = (event: StreamEvent): WireEvent => {
    if (event.kind === 'stream') return { event: 'stream', id: event.seq, data: event.item };
    return { event: event.kind, data: streamStatus(event.job, services.now()) };
  };
  defineRoute(app, services, {
    operation: 'stream',
    url: '/v2/:endpointId/stream/:jobId',
    methods: ['GET', 'POST'],
    kind: 'client-read',
    handler: async (ctx, request, reply) => {
      const wait = parseIntegerParam('wait', ctx.query['wait'], RANGES.streamWait, DEFAULTS.streamWait);
      const jobId = ctx.params['jobId'] ?? '';
      if (wantsEventStream(request.headers.accept)) {
        return sendEvents(reply, services.jobs.watchStream(ctx.endpointId, jobId, ctx.signal), toWire);
      }
      const { job, items } = await services.jobs.readStream(ctx.endpointId, jobId, wait, ctx.signal);
      // Rules 5–7 (spec §4.5): see streamStatus.
      const body: StreamObject = { ...streamStatus(job, services.now()), stream: items };
      return body;
    },
  });
}
