// `POST job-done-batch/{workerId}` (sluice extension, docs/api.md): several final results in one request, each
// applied exactly as its own `job-done` would be. Per-request costs (a round trip, a wake-up of the server
// and of the worker) dominate a no-op job, so a worker running many jobs at once sends one request per batch.
// Launched workers learn the URL from SLUICE_WEBHOOK_POST_OUTPUT_BATCH; runpod-python never uses it. With
// `next=N` (next-jobs.ts) the answer also carries the worker's next jobs.
import type { FastifyInstance } from 'fastify';
import { DEFAULTS, SluiceError, isPlainObject, isSluiceError, errorText } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute } from '../../http/define-route.js';
import { parseJsonBody } from '../../http/raw-body.js';
import type { PostOutcome } from '../../store/job-store.js';
import { nextCount, withNextJobs } from './next-jobs.js';
import { gpuLabel } from './worker-query.js';

export interface BatchItem {
  id: string;
  isStream: boolean;
  result: unknown;
}

export interface BatchItemAnswer {
  id: string;
  status: number;
  error?: string;
}

const MAX_ID_LENGTH = 256;

function invalid(message: string): SluiceError {
  return new SluiceError('ERR_REQUEST_INVALID_FIELD', message);
}

/** The batch, or a 400 naming the first thing wrong; nothing is applied from a refused batch. */
export function parseBatch(body: unknown): BatchItem[] {
  if (!Array.isArray(body)) throw invalid('body must be a JSON array of results');
  if (body.length === 0 || body.length > DEFAULTS.maxBatchSize) {
    throw invalid(`a batch holds 1 to ${DEFAULTS.maxBatchSize} results`);
  }
  return body.map((item: unknown, i): BatchItem => {
    if (!isPlainObject(item)) throw invalid(`results[${i}] must be an object`);
    const { id, isStream, result } = item;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
      throw invalid(`results[${i}].id must be a job id`);
    }
    if (isStream !== undefined && typeof isStream !== 'boolean')
      throw invalid(`results[${i}].isStream must be a boolean`);
    if (result === undefined) throw invalid(`results[${i}].result is required`);
    return { id, isStream: isStream ?? false, result };
  });
}

function hasStopPod(item: BatchItem): boolean {
  return isPlainObject(item.result) && item.result['stopPod'] === true;
}

function itemAnswer(id: string, settled: PromiseSettledResult<PostOutcome>): BatchItemAnswer {
  if (settled.status === 'fulfilled') {
    return settled.value.kind === 'not-found'
      ? { id, status: 404, error: errorText('ERR_JOB_NOT_FOUND') }
      : { id, status: 200 };
  }
  const error: unknown = settled.reason;
  // A store outage or a bug fails the whole request (the worker retries it), not one item.
  if (!isSluiceError(error) || error.status >= 500) throw error;
  return { id, status: error.status, error: error.message };
}

export function registerJobDoneBatchRoute(app: FastifyInstance, services: AppServices): void {
  defineRoute(app, services, {
    operation: 'job-done-batch',
    url: '/v2/:endpointId/job-done-batch/:workerId',
    methods: ['POST'],
    kind: 'worker',
    bodyCap: (ctx) => services.posts.batchCap(ctx.endpoint),
    handler: async (ctx, request, reply) => {
      const workerId = ctx.params['workerId'] ?? '';
      const next = nextCount(ctx);
      const items = parseBatch(parseJsonBody(request.body));
      await services.presence.seen(ctx.endpointId, workerId, gpuLabel(ctx));
      const done = await withNextJobs(services, ctx, reply, next, async (alongside) => {
        // Applied together, so the store commits them in one group (in order, one savepoint each).
        const applying = Promise.allSettled(
          items.map((item) =>
            services.posts.doneParsed(
              { endpointId: ctx.endpointId, endpoint: ctx.endpoint, workerId, jobId: item.id, body: undefined },
              item.result,
              item.isStream,
            ),
          ),
        );
        // Next jobs join that group, after the results, unless a stopPod is still being recorded: a claim made
        // before it would lease jobs to a worker about to drain. Then they are claimed once the batch is applied.
        if (!items.some(hasStopPod)) alongside();
        const settled = await applying;
        return items.map((item, i) => itemAnswer(item.id, settled[i] as PromiseSettledResult<PostOutcome>));
      });
      return done.next ? { results: done.value, next: done.next } : { results: done.value };
    },
  });
}
