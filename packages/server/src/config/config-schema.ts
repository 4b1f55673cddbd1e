// The typed configuration of a Sluice server and its validation rules (docs/configuration.md lists every key).
import { DEFAULTS, MB, RANGES } from '@sluice/protocol';
import { z } from 'zod';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ms = (range: { min: number; max: number }) => int(range.min, range.max);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const workerCommand = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  })
  .strict();

export const endpointSchema = z
  .object({
    workersMin: int(0, 1000).default(0),
    /** Default: max(workersMin, 3), RunPod's default maximum. */
    workersMax: int(0, 1000).optional(),
    /** Seconds a worker may sit idle before the autoscaler stops it. */
    idleTimeout: int(1, 86_400).default(5),
    scalerType: z.enum(['QUEUE_DELAY', 'REQUEST_COUNT']).default('QUEUE_DELAY'),
    scalerValue: int(1, 100_000).default(4),
    gpuCount: int(0, 64).default(0),
    executionTimeout: ms(RANGES.executionTimeout).default(DEFAULTS.executionTimeout),
    ttl: ms(RANGES.ttl).default(DEFAULTS.ttl),
    runRetention: ms(RANGES.runRetention).default(DEFAULTS.runRetention),
    syncRetention: ms(RANGES.syncRetention).default(DEFAULTS.syncRetention),
    maxRunBytes: int(1024, 1024 * MB).default(DEFAULTS.maxRunBytes),
    maxRunsyncBytes: int(1024, 1024 * MB).default(DEFAULTS.maxRunsyncBytes),
    maxStreamItemBytes: int(1024, 1024 * MB).default(DEFAULTS.maxStreamItemBytes),
    maxResultBytes: int(1024, 1024 * MB).default(DEFAULTS.maxResultBytes),
    /** IN_QUEUE jobs at which run/runsync answer 429 `queue is full`; absent = unlimited. */
    maxQueueSize: int(1, 100_000_000).optional(),
    worker: workerCommand.optional(),
  })
  .strict()
  .refine((e) => e.workersMax === undefined || e.workersMax >= e.workersMin, {
    message: 'workersMax must be >= workersMin',
    path: ['workersMax'],
  })
  .transform((e) => ({ ...e, workersMax: e.workersMax ?? Math.max(e.workersMin, 3) }));

const apiKey = z
  .object({
    name: z.string().min(1),
    key: z.string().min(16, 'must be at least 16 characters'),
    kind: z.enum(['client', 'worker']).default('client'),
    access: z.enum(['read-write', 'read-only']).default('read-write'),
    endpoints: z.union([z.literal('*'), z.array(z.string().regex(ID))]).default('*'),
  })
  .strict();

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: int(0, 65_535).default(8080),
        /** Origin workers and clients use to reach this server; default http://{host}:{port}. */
        publicUrl: z.string().url().optional(),
        workerPollHoldMs: ms(RANGES.workerPollHold).default(DEFAULTS.workerPollHold),
        /** Period of the reaper loop (timeouts, ttl, retention, leases, webhooks). */
        reaperIntervalMs: int(100, 60_000).default(1000),
        pingIntervalMs: int(1000, 600_000)
          .refine((v) => v % 1000 === 0, 'must be a multiple of 1000')
          .default(DEFAULTS.pingInterval),
        /** No ping for this long: the worker is lost (spec §6.8); default max(3 × ping interval, 30000). */
        workerLostAfterMs: int(1000, 3_600_000).optional(),
        maxReclaims: int(0, 100).default(DEFAULTS.maxReclaims),
        gpus: z.array(z.number().int().min(0)).default([]),
        /** Listen on a non-loopback host without API keys (development only). */
        insecure: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    store: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('sqlite'),
            path: z.string().min(1).default('.sluice/sluice.db'),
            synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
          })
          .strict(),
        z
          .object({
            kind: z.literal('redis'),
            url: z.string().default('redis://127.0.0.1:6379'),
            prefix: z
              .string()
              .regex(/^[A-Za-z0-9:_-]+$/)
              .default('sluice'),
          })
          .strict(),
      ])
      .prefault({ kind: 'sqlite' }),
    auth: z
      .object({ keys: z.array(apiKey).default([]) })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    endpoints: z.record(z.string().regex(ID, 'endpoint ids use [A-Za-z0-9_-], 1-64 characters'), endpointSchema),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type ApiKeyConfig = Config['auth']['keys'][number];
export type StoreConfig = Config['store'];
