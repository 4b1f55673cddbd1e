// `GET job-take/{workerId}` and `GET job-take-batch/{workerId}` (spec §6.2, §6.3): long-poll for queued
// jobs. A job whose answer cannot be written goes back to the head of the queue (spec §1.5).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DEFAULTS, SluiceError } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute, onResponseLost, type RouteContext } from '../../http/define-route.js';
import { toWorkerJob, type JobRecord } from '../../store/job-record.js';
import { gpuLabel, queryValue } from './worker-query.js';

function batchSize(ctx: RouteContext): number {
  const raw = queryValue(ctx, 'batch_size');
  const n = raw !== undefined && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return Math.min(Math.max(n, 1), DEFAULTS.maxBatchSize);
}

export function registerJobTakeRoutes(app: FastifyInstance, services: AppServices): void {
  const take = async (ctx: RouteContext, reply: FastifyReply, max: number): Promise<JobRecord[] | undefined> => {
    const workerId = ctx.params['workerId'] ?? '';
    // A 429 makes runpod-python sleep 5 s instead of re-polling a server that is going away.
    if (services.shutdownSignal.aborted) {
      void reply.header('Retry-After', '5');
      throw new SluiceError('ERR_WORKER_BACKOFF');
    }
    await services.presence.seen(ctx.endpointId, workerId, gpuLabel(ctx));
    const jobs = await services.dispatcher.take(
      ctx.endpointId,
      workerId,
      max,
      services.config.server.workerPollHoldMs,
      ctx.signal,
    );
    if (jobs.length === 0) {
      void reply.code(204);
      return undefined;
    }
    // The worker may be gone by the time the answer is written: then the jobs were never received.
    onResponseLost(reply, () => void services.dispatcher.handBack(ctx.endpointId, workerId, jobs));
    return jobs;
  };

  defineRoute(app, services, {
    operation: 'job-take',
    url: '/v2/:endpointId/job-take/:workerId',
    methods: ['GET'],
    kind: 'worker',
    holdErrors: true,
    handler: async (ctx, _request, reply) => {
      const jobs = await take(ctx, reply, 1);
      return jobs?.[0] ? reply.send(toWorkerJob(jobs[0])) : reply.send();
    },
  });

  defineRoute(app, services, {
    operation: 'job-take-batch',
    url: '/v2/:endpointId/job-take-batch/:workerId',
    methods: ['GET'],
    kind: 'worker',
    holdErrors: true,
    handler: async (ctx, _request, reply) => {
      const jobs = await take(ctx, reply, batchSize(ctx));
      return jobs ? reply.send(jobs.map(toWorkerJob)) : reply.send();
    },
  });
}
