// `POST job-done/{workerId}/{jobId}` and `POST job-stream/{workerId}/{jobId}` (spec §6.4, §6.5). Posts for
// terminal jobs or jobs leased elsewhere answer 200 and change nothing; unknown jobs answer 404. A job-done with
// `next=N` (sluice extension, next-jobs.ts) also answers the worker's next jobs.
import type { FastifyInstance } from 'fastify';
import { SluiceError, parseIntegerParam } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute, type RouteContext } from '../../http/define-route.js';
import type { PostOutcome } from '../../store/job-store.js';
import type { WorkerPost } from '../../jobs/worker-posts.js';
import { nextCount, withNextJobs } from './next-jobs.js';
import { gpuLabel, queryValue } from './worker-query.js';

/** `stream_seq` (a Sluice extension, sent by @sluice/worker): the worker's 1-based number of the post. */
const STREAM_SEQ = { min: 1, max: Number.MAX_SAFE_INTEGER };

function post(ctx: RouteContext, body: unknown): WorkerPost {
  return {
    endpointId: ctx.endpointId,
    endpoint: ctx.endpoint,
    workerId: ctx.params['workerId'] ?? '',
    jobId: ctx.params['jobId'] ?? '',
    body: Buffer.isBuffer(body) ? body : undefined,
  };
}

function answer(outcome: PostOutcome): Record<string, never> {
  if (outcome.kind === 'not-found') throw new SluiceError('ERR_JOB_NOT_FOUND');
  return {};
}

export function registerJobPostRoutes(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'job-done',
    url: '/v2/:endpointId/job-done/:workerId/:jobId',
    methods: ['POST'],
    kind: 'worker',
    bodyCap: (ctx) => services.posts.bodyCap('result', post(ctx, undefined)),
    handler: async (ctx, request, reply) => {
      const next = nextCount(ctx);
      await services.presence.seen(ctx.endpointId, ctx.params['workerId'] ?? '', gpuLabel(ctx));
      const isStream = queryValue(ctx, 'isStream') === 'true';
      const done = await withNextJobs(services, ctx, reply, next, async (alongside) =>
        answer(await services.posts.done(post(ctx, request.body), isStream, alongside)),
      );
      return done.next ? { next: done.next } : done.value;
    },
  });

  defineRoute(app, services, {
    operation: 'job-stream',
    url: '/v2/:endpointId/job-stream/:workerId/:jobId',
    methods: ['POST'],
    kind: 'worker',
    bodyCap: (ctx) => services.posts.bodyCap('stream', post(ctx, undefined)),
    handler: async (ctx, request) => {
      const seq = parseIntegerParam('stream_seq', queryValue(ctx, 'stream_seq'), STREAM_SEQ);
      await services.presence.seen(ctx.endpointId, ctx.params['workerId'] ?? '', gpuLabel(ctx));
      return answer(await services.posts.stream({ ...post(ctx, request.body), ...(seq === undefined ? {} : { seq }) }));
    },
  });
}
