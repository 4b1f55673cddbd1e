// The operator's view of jobs and their logs, under /admin (admin keys): the job history list and record
// (`GET /admin/endpoints/{id}/jobs[/{jobId}]`) and the logs of a job or a worker
// (`…/jobs/{jobId}/logs`, `…/workers/{workerId}/logs`), as JSON or, with `Accept: text/event-stream`, followed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError, isTerminal } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { requestSignal } from '../../http/define-route.js';
import { sendEvents, wantsEventStream } from '../../http/event-stream.js';
import { jobLogKey, workerLogKey } from '../../jobs/job-logs.js';
import { JOB_LOG_FLUSH_MS, followLog, type LogEvent, type LogSource } from '../../jobs/log-follow.js';
import type { JobContext } from '../../jobs/job-context.js';
import type { LogRead } from '../../store/job-log-store.js';
import { parseHistoryQuery } from './history-query.js';
import { toJobDetail, toJobSummary } from './job-views.js';

type Params = { id: string; jobId?: string; workerId?: string };

export function registerHistoryRoutes(app: FastifyInstance, services: AppServices, ctx: JobContext): void {
  const onRequest = async (request: FastifyRequest): Promise<void> => {
    services.auth.check(request.headers.authorization, 'admin', '');
    services.endpoints.require((request.params as Params).id);
    return Promise.resolve();
  };
  const history = () => ctx.history;
  const logs = () => {
    if (!ctx.logs) throw new SluiceError('ERR_ROUTE_NOT_FOUND');
    return ctx.logs;
  };

  app.get('/admin/endpoints/:id/jobs', { onRequest }, async (request) => {
    const { id } = request.params as Params;
    const query = parseHistoryQuery(request.query as Record<string, unknown>);
    const store = history();
    if (!store) return { jobs: [], nextCursor: null };
    const page = await store.list(id, query);
    const now = ctx.now();
    return { jobs: page.jobs.map((job) => toJobSummary(job, now)), nextCursor: page.nextCursor };
  });

  app.get('/admin/endpoints/:id/jobs/:jobId', { onRequest }, async (request) => {
    const { id, jobId = '' } = request.params as Params;
    const [live, record] = await Promise.all([ctx.store.get(id, jobId), history()?.get(id, jobId)]);
    if (!live && !record) throw new SluiceError('ERR_JOB_NOT_FOUND');
    return toJobDetail(live, record, ctx.now());
  });

  app.get('/admin/endpoints/:id/jobs/:jobId/logs', { onRequest }, async (request, reply) => {
    const { id, jobId = '' } = request.params as Params;
    const jobLogs = logs();
    const isOver = async (): Promise<boolean | undefined> => {
      const job = (await ctx.store.get(id, jobId)) ?? (await history()?.get(id, jobId))?.job;
      return job === undefined ? undefined : isTerminal(job.status);
    };
    const first = await jobLogs.readJob(id, jobId);
    if (first.lines.length === 0 && (await isOver()) === undefined) throw new SluiceError('ERR_JOB_NOT_FOUND');
    const source: LogSource = {
      read: (after) => jobLogs.readJob(id, jobId, after),
      key: jobLogKey(id, jobId),
      // A job no longer known anywhere (history off, retention over) is over too.
      finished: async () => (await isOver()) ?? true,
      flushMs: JOB_LOG_FLUSH_MS,
    };
    return answer(request, reply, first, source);
  });

  app.get('/admin/endpoints/:id/workers/:workerId/logs', { onRequest }, async (request, reply) => {
    const { id, workerId = '' } = request.params as Params;
    const jobLogs = logs();
    const first = await jobLogs.readWorker(id, workerId);
    const source: LogSource = {
      read: (after) => jobLogs.readWorker(id, workerId, after),
      key: workerLogKey(id, workerId),
      finished: async (read) => read.ended || (await ctx.workers.getWorker(id, workerId)) === undefined,
      flushMs: 0,
    };
    return answer(request, reply, first, source);
  });

  function answer(request: FastifyRequest, reply: FastifyReply, first: LogRead, source: LogSource) {
    if (!wantsEventStream(request.headers.accept)) return { lines: first.lines, truncated: first.truncated };
    const signal = requestSignal(reply, services.clientHoldsEnd);
    return sendEvents(reply, followLog(source, ctx.wakeups, ctx.now, signal), (event: LogEvent) =>
      event.kind === 'line'
        ? { event: 'line', id: event.line.seq, data: event.line }
        : { event: 'end', data: { truncated: event.truncated } },
    );
  }
}
