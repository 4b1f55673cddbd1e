// `?next=N` on job-done and job-done-batch (sluice extension, docs/api.md): the answer also carries up to N queued
// jobs claimed for the worker, which saves it the job-take round trip that would follow, as BullMQ's
// move-to-finished returns the next job. Without `next` the answer is untouched: RunPod workers never send it.
import type { FastifyReply } from 'fastify';
import { DEFAULTS, parseIntegerParam, type WorkerJob } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';
import { onResponseLost, type RouteContext } from '../../http/define-route.js';
import { toWorkerJob, type JobRecord } from '../../store/job-record.js';
import { queryValue } from './worker-query.js';

/** How many next jobs the worker asks for; undefined without `next`. A value outside 1–64 is a 400. */
export function nextCount(ctx: RouteContext): number | undefined {
  return parseIntegerParam('next', queryValue(ctx, 'next'), { min: 1, max: DEFAULTS.maxBatchSize });
}

export interface WithNext<T> {
  value: T;
  /** Present only when the worker asked for next jobs. */
  next?: WorkerJob[];
}

/**
 * Runs a worker post and claims up to `count` next jobs for the worker once the post's write is issued: `post`
 * calls `alongside` in the same turn as that write, so both share one commit. The claim waits for the post: if the
 * post fails, or the answer is never delivered, the claimed jobs go back to the head of the queue with no retry
 * counted, exactly as an undelivered job-take answer (spec §1.5).
 */
export async function withNextJobs<T>(
  services: AppServices,
  ctx: RouteContext,
  reply: FastifyReply,
  count: number | undefined,
  post: (alongside: () => void) => Promise<T>,
): Promise<WithNext<T>> {
  if (count === undefined) return { value: await post(() => undefined) };
  const workerId = ctx.params['workerId'] ?? '';
  let claim: Promise<JobRecord[]> | undefined;
  const alongside = (): void => {
    // A server shutting down hands out nothing: its workers are draining too.
    claim ??= services.shutdownSignal.aborted
      ? Promise.resolve([])
      : services.dispatcher.takeAlongside(ctx.endpointId, workerId, count);
  };
  let value: T;
  try {
    value = await post(alongside);
  } catch (err) {
    if (claim) await handBack(services, ctx, reply, await claim.catch(() => []));
    throw err;
  }
  // A post that made no write of its own (none today) still gets its next jobs.
  alongside();
  let jobs: JobRecord[];
  try {
    jobs = await (claim as Promise<JobRecord[]>);
  } catch (err) {
    // The post was applied: a 5xx now would make the worker resend it, so the answer goes without next jobs.
    reply.log.warn({ err, endpointId: ctx.endpointId, workerId }, 'claiming next jobs failed; none sent');
    jobs = [];
  }
  if (jobs.length > 0) onResponseLost(reply, () => void handBack(services, ctx, reply, jobs));
  return { value, next: jobs.map(toWorkerJob) };
}

async function handBack(
  services: AppServices,
  ctx: RouteContext,
  reply: FastifyReply,
  jobs: JobRecord[],
): Promise<void> {
  const workerId = ctx.params['workerId'] ?? '';
  try {
    await services.dispatcher.handBack(ctx.endpointId, workerId, jobs);
  } catch (err) {
    // The jobs stay leased: the lease monitor requeues them when the worker's pings never list them (spec §6.8).
    reply.log.error({ err, endpointId: ctx.endpointId, workerId }, 'handing back next jobs failed');
  }
}
