// `POST run` and `POST runsync` (spec §4.1, §4.2), with the opt-in Idempotency-Key (spec §9.2).
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DEFAULTS, RANGES, SluiceError, formatMb, parseIntegerParam, parseSubmission } from '@sluice/protocol';
import { credentialFrom } from '../../http/auth.js';
import type { AppServices } from '../../http/app-services.js';
import { defineRoute, plainCap, type RouteContext } from '../../http/define-route.js';
import { parseJsonBody } from '../../http/raw-body.js';
import type { IdempotencyClaim } from '../../store/job-store.js';
import { toStatusObject } from '../../store/job-record.js';
import type { FastifyInstance } from 'fastify';

const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function idempotencyClaim(request: FastifyRequest, ctx: RouteContext, now: number): IdempotencyClaim | undefined {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > 255) {
    throw new SluiceError('ERR_REQUEST_INVALID_FIELD', 'Idempotency-Key is invalid; must be 1 to 255 characters');
  }
  const apiKey = credentialFrom(request.headers.authorization) ?? '';
  return {
    scope: `${sha256(apiKey)}:${ctx.endpointId}`,
    key,
    fingerprint: sha256(Buffer.isBuffer(request.body) ? request.body : ''),
    expiresAt: now + IDEMPOTENCY_WINDOW_MS,
  };
}

export function registerRunRoutes(app: FastifyInstance, services: AppServices): void {
  const submit = async (request: FastifyRequest, ctx: RouteContext, sync: boolean) => {
    if (services.shutdownSignal.aborted) throw new SluiceError('ERR_UNAVAILABLE');
    const submission = parseSubmission(parseJsonBody(request.body));
    const idempotency = idempotencyClaim(request, ctx, services.now());
    return services.jobs.submit(ctx.endpointId, submission, { sync, idempotency });
  };

  defineRoute(app, services, {
    operation: 'run',
    url: '/v2/:endpointId/run',
    methods: ['POST'],
    kind: 'client-write',
    bodyCap: ({ endpoint: e }) => plainCap(e.maxRunBytes, `json is invalid; max size is ${formatMb(e.maxRunBytes)}`),
    handler: async (ctx, request, reply) => {
      const { job, created } = await submit(request, ctx, false);
      if (!created) void reply.header('Idempotent-Replayed', 'true');
      return { id: job.id, status: 'IN_QUEUE' };
    },
  });

  defineRoute(app, services, {
    operation: 'runsync',
    url: '/v2/:endpointId/runsync',
    methods: ['POST'],
    kind: 'client-write',
    bodyCap: ({ endpoint: e }) =>
      plainCap(e.maxRunsyncBytes, `json is invalid; max size is ${formatMb(e.maxRunsyncBytes)}`),
    handler: async (ctx, request, reply) => {
      // `wait` is checked first: out of range means 400 and no job (spec §4.2).
      const wait = parseIntegerParam('wait', ctx.query['wait'], RANGES.runsyncWait, DEFAULTS.runsyncWait);
      const { job, created } = await submit(request, ctx, true);
      if (!created) void reply.header('Idempotent-Replayed', 'true');
      const final = await services.jobs.waitForTerminal(ctx.endpointId, job.id, wait, ctx.signal);
      return toStatusObject(final, services.now());
    },
  });
}
