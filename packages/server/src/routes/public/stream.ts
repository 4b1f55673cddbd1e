// `stream/{id}` (spec §4.5): long-polls for undelivered items, consumes them once, always sends `stream`; or, on
// request, the same items and the job's state changes as server-sent events (spec §9.1). A read-only key
// observes without consuming: it sees the job's state, never the items, which stay for the consuming reader.
import type { FastifyInstance } from 'fastify';
import { DEFAULTS, RANGES, parseIntegerParam, type StreamObject } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute, onResponseLost } from '../../http/define-route.js';
import { sendEvents, wantsEventStream, type WireEvent } from '../../http/event-stream.js';
import type { StatusEvent, StreamEvent } from '../../jobs/job-watch.js';
import { toStatusObject, type JobRecord } from '../../store/job-record.js';

/** The stream object without items: progress values never appear; a streaming job's output stays in /status. */
function streamStatus(job: JobRecord, now: number): Omit<StreamObject, 'stream'> {
  const { output, ...rest } = toStatusObject(job, now);
  return job.status === 'COMPLETED' && !job.streaming && output !== undefined ? { ...rest, output } : rest;
}

/** Status events as a stream watcher sends them: only when the visible stream object changes (no progress). */
async function* observedChanges(events: AsyncGenerator<StatusEvent>, now: () => number): AsyncGenerator<StreamEvent> {
  let last: string | undefined;
  for await (const event of events) {
    const seen = JSON.stringify(streamStatus(event.job, now()));
    if (event.kind === 'status' && seen === last) continue;
    last = seen;
    yield event;
  }
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
      // A read would move the one shared cursor (rule 1) and take the items from the real reader.
      const consumes = services.auth.canWrite(request.headers.authorization, ctx.endpointId);
      if (wantsEventStream(request.headers.accept)) {
        const events = consumes
          ? services.jobs.watchStream(ctx.endpointId, jobId, ctx.signal)
          : observedChanges(
              services.jobs.watchStatus(ctx.endpointId, jobId, Number.MAX_SAFE_INTEGER, ctx.signal),
              services.now,
            );
        return sendEvents(reply, events, toWire);
      }
      if (!consumes) {
        const job = await services.jobs.waitForTerminal(ctx.endpointId, jobId, wait, ctx.signal);
        const observed: StreamObject = { ...streamStatus(job, services.now()), stream: [] };
        return observed;
      }
      const read = await services.jobs.readStream(ctx.endpointId, jobId, wait, ctx.signal);
      const { job, items } = read;
      // A reader that gave up before the answer was written never sees these items: they go back.
      onResponseLost(reply, () => {
        services.jobs.unreadStream(read).catch((err: unknown) => request.log.error({ err }, 'stream put-back failed'));
      });
      // Rules 5–7 (spec §4.5): see streamStatus.
      const body: StreamObject = { ...streamStatus(job, services.now()), stream: items };
      return body;
    },
  });
}
