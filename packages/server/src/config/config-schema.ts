// The typed configuration of a Sluice server and its validation rules (docs/configuration.md lists every key).
import { DEFAULTS, MB, RANGES, isPlainObject } from '@sluice/protocol';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ENDPOINT_ID_RULE } from './config-issues.js';
import { duration } from './duration.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const workerCommand = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
  })
  .strict();

const limit = z.union([z.literal(false), int(1, 100_000_000)], {
  error: 'must be false or a whole number 1-100000000',
});

/** One rate-limit bucket (spec §4.10): a count per sliding 10 s window and a cap on requests in flight. */
const rateLimit = (per10s: number, concurrent: number | false) =>
  z
    .union(
      [
        z.literal(false),
        z
          .object({
            per10s: limit.default(per10s),
            concurrent: limit.default(concurrent),
          })
          .strict(),
      ],
      { error: 'must be false or { per10s, concurrent }' },
    )
    .prefault({});

/** Client-route limits per endpoint; `false` turns them all off. Worker routes are never limited. */
const rateLimits = z
  .union(
    [
      z.literal(false),
      z
        .object({
          run: rateLimit(1000, 200),
          runsync: rateLimit(2000, 400),
          /** One bucket shared by status, status-sync and stream. */
          status: rateLimit(2000, 400),
          cancel: rateLimit(100, 20),
          retry: rateLimit(100, 20),
          purgeQueue: rateLimit(2, false),
          health: rateLimit(2000, 400),
        })
        .strict(),
    ],
    { error: 'must be false or an object of buckets (run, runsync, status, cancel, retry, purgeQueue, health)' },
  )
  .prefault({});

/** `whsec_<base64>` of at least 16 bytes; several separated by spaces while secrets rotate (spec §9.3). */
const webhookSecret = z
  .string()
  .regex(
    /^\s*whsec_[A-Za-z0-9+/]{22,}={0,2}(\s+whsec_[A-Za-z0-9+/]{22,}={0,2})*\s*$/,
    'must be one or more space-separated whsec_<base64> secrets of at least 16 bytes',
  );

/** Webhook delivery (spec §5). */
/** An IPv4 or IPv6 address, or a CIDR range of either (`169.254.169.254`, `fe80::/10`). */
function isAddressOrRange(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

const webhooks = z
  .object({
    /** Attempts in total, the first included. */
    attempts: int(1, 10).default(3),
    retryDelayMs: duration({ min: 100, max: 3_600_000 }).default(10_000),
    /** Per attempt, DNS lookup included. */
    timeoutMs: duration({ min: 100, max: 120_000 }).default(10_000),
    /** Refuse targets that resolve to loopback, private, link-local, CGNAT or unique-local addresses. */
    blockPrivateAddresses: z.boolean().default(false),
    /** Addresses or CIDR ranges never refused; link-local and unspecified targets are refused unless listed. */
    allowAddresses: z
      .array(z.string().refine(isAddressOrRange, { message: 'expected an IP address or a CIDR range' }))
      .default([]),
    /** One endpoint's deliveries in flight at once: a slow or black-holed target cannot take every slot. */
    maxInFlightPerEndpoint: int(1, 16).default(4),
  })
  .strict()
  .prefault({});

export const endpointSchema = z
  .object({
    workersMin: int(0, 1000).default(0),
    /** Default: max(workersMin, 3), RunPod's default maximum. */
    workersMax: int(0, 1000).optional(),
    /** Seconds a worker may sit idle before the autoscaler stops it. */
    idleTimeout: duration({ min: 1, max: 86_400 }, 's').default(5),
    scalerType: z.enum(['QUEUE_DELAY', 'REQUEST_COUNT']).default('QUEUE_DELAY'),
    scalerValue: int(1, 100_000).default(4),
    gpuCount: int(0, 64).default(0),
    executionTimeout: duration(RANGES.executionTimeout).default(DEFAULTS.executionTimeout),
    ttl: duration(RANGES.ttl).default(DEFAULTS.ttl),
    runRetention: duration(RANGES.runRetention).default(DEFAULTS.runRetention),
    syncRetention: duration(RANGES.syncRetention).default(DEFAULTS.syncRetention),
    /** How long the job history keeps a finished job (from its end); 0 turns history off. */
    historyRetention: duration({ min: 0, max: 90 * 86_400_000 }).default(86_400_000),
    maxRunBytes: int(1024, 1024 * MB).default(DEFAULTS.maxRunBytes),
    maxRunsyncBytes: int(1024, 1024 * MB).default(DEFAULTS.maxRunsyncBytes),
    maxStreamItemBytes: int(1024, 1024 * MB).default(DEFAULTS.maxStreamItemBytes),
    maxResultBytes: int(1024, 1024 * MB).default(DEFAULTS.maxResultBytes),
    /** Undelivered stream items one job may hold; a post past it fails the job (nobody is reading it). */
    maxStreamBufferBytes: int(1024, 16 * 1024 * MB).default(64 * MB),
    /** IN_QUEUE jobs at which run/runsync answer 429 `queue is full`; absent = unlimited. */
    maxQueueSize: int(1, 100_000_000).optional(),
    /** Signs this endpoint's webhooks (Standard Webhooks headers, spec §9.3). */
    webhookSecret: webhookSecret.optional(),
    /** Per-process request limits of the client routes (spec §4.10); `false` = none. */
    rateLimits,
    worker: workerCommand.optional(),
  })
  .strict()
  .refine((e) => !(typeof e.workersMax === 'number' && e.workersMax < e.workersMin), {
    message: 'must be at least workersMin',
    path: ['workersMax'],
    // Checked even when other keys of the endpoint are wrong, so one run reports every problem.
    when: (payload) => isPlainObject(payload.value) && typeof payload.value['workersMin'] === 'number',
  })
  .refine((e) => e.maxStreamBufferBytes >= e.maxStreamItemBytes, {
    message: 'maxStreamBufferBytes must be >= maxStreamItemBytes',
    path: ['maxStreamBufferBytes'],
  })
  .transform((e) => ({ ...e, workersMax: e.workersMax ?? Math.max(e.workersMin, 3) }));

const apiKey = z
  .object({
    name: z.string().min(1),
    key: z.string().min(16, 'must be at least 16 characters'),
    kind: z.enum(['client', 'worker', 'admin']).default('client'),
    access: z.enum(['read-write', 'read-only']).default('read-write'),
    endpoints: z
      .union([z.literal('*'), z.array(z.string().regex(ID, `endpoint ids use ${ENDPOINT_ID_RULE}`))])
      .default('*'),
  })
  .strict();

export const configSchema = z
  .object({
    /** Where editors find the JSON Schema of a JSON config file (`sluice config schema`); ignored by Sluice. */
    $schema: z.string().optional(),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: int(0, 65_535).default(8080),
        /** Origin workers and clients use to reach this server; default http://{host}:{port}. */
        publicUrl: z.string().url().optional(),
        workerPollHoldMs: duration(RANGES.workerPollHold).default(DEFAULTS.workerPollHold),
        /** Period of the reaper loop (timeouts, ttl, retention, leases, webhooks). */
        reaperIntervalMs: duration({ min: 100, max: 60_000 }).default(1000),
        pingIntervalMs: duration({ min: 1000, max: 600_000 })
          .refine((v) => v % 1000 === 0, 'must be a multiple of 1000')
          .default(DEFAULTS.pingInterval),
        /** No ping for this long: the worker is lost (spec §6.8); default max(3 × ping interval, 30000). */
        workerLostAfterMs: duration({ min: 1000, max: 3_600_000 }).optional(),
        maxReclaims: int(0, 100).default(DEFAULTS.maxReclaims),
        /** How long a client may take to send a whole request (headers and body); held answers do not count. */
        requestTimeoutMs: duration({ min: 1000, max: 600_000 }).default(60_000),
        /** Open connections at once; more are closed as they arrive. */
        maxConnections: int(16, 1_000_000).default(10_000),
        /** UUID version of new job ids (spec §2.1): 7 is time-ordered and cheaper to index, 4 hides creation time. */
        jobIds: z.enum(['uuid7', 'uuid4']).default('uuid7'),
        gpus: z.array(z.number().int().min(0)).default([]),
        /** Several servers on one Redis store acting as one worker fleet (docs/scaling.md); unused on SQLite. */
        fleet: z
          .object({
            /** This server's name in the fleet; default `<hostname>/<host:port of its URL>`. */
            serverId: z
              .string()
              .regex(/^[A-Za-z0-9._:/-]{1,128}$/)
              .optional(),
            /** The deciding lease lapses this long after its holder's last renewal; adverts expire alike. */
            leaseMs: duration({ min: 1000, max: 600_000 }).default(5000),
            /** Period of the advert and of the lease renewal. */
            heartbeatMs: duration({ min: 100, max: 60_000 }).default(1000),
            /** CPU-only workers (gpuCount 0) this server may run; default: its CPU count. */
            cpuSlots: int(1, 10_000).optional(),
          })
          .strict()
          .refine((f) => f.heartbeatMs * 2 <= f.leaseMs, {
            message: 'heartbeatMs must be at most half of leaseMs',
            path: ['heartbeatMs'],
          })
          .prefault({}),
        /** Listen on a non-loopback host without API keys (development only). */
        insecure: z.boolean().default(false),
        webhooks,
        /** Prometheus `GET /metrics` (spec §9.4): off unless enabled; `token` puts it behind its own bearer token. */
        metrics: z
          .object({
            enabled: z.boolean().default(false),
            token: z.string().min(16, 'must be at least 16 characters').optional(),
          })
          .strict()
          .prefault({}),
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
            /** Find the master through Redis Sentinel; `url` then supplies only credentials, database and TLS. */
            sentinel: z
              .object({
                /** The master group name the sentinels monitor. */
                name: z.string().min(1),
                sentinels: z
                  .array(z.object({ host: z.string().min(1), port: int(1, 65_535) }).strict())
                  .min(1, 'needs at least one sentinel'),
                /** For sentinels that require auth (Redis ≥ 6 `requirepass` on the sentinel). */
                password: z.string().min(1).optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      ])
      .prefault({ kind: 'sqlite' }),
    auth: z
      .object({
        keys: z.array(apiKey).default([]),
        /** Signs launcher worker tokens so every server sharing it accepts them (several servers on one store). */
        workerTokenSecret: z.string().min(32, 'must be at least 32 characters').optional(),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** pretty: human-readable lines; json: one JSON object a line; auto: pretty on a terminal, else json. */
        format: z.enum(['auto', 'pretty', 'json']).default('auto'),
      })
      .strict()
      .prefault({}),
    /** The web console at /console/ (docs/console.md). */
    console: z
      .object({
        enabled: z.boolean().default(true),
        /** The console's built folder; default: the one `npm run build` writes (packages/console/dist). */
        root: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    endpoints: z.record(z.string().regex(ID, `endpoint ids use ${ENDPOINT_ID_RULE}`), endpointSchema),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type EndpointConfig = z.infer<typeof endpointSchema>;
export type RateLimitConfig = Exclude<z.infer<ReturnType<typeof rateLimit>>, false>;
export type ApiKeyConfig = Config['auth']['keys'][number];
export type StoreConfig = Config['store'];

/** `server.workerLostAfterMs`, or its default max(3 × ping interval, 30000) (spec §6.8). */
export function workerLostAfterMs(server: Config['server']): number {
  return server.workerLostAfterMs ?? Math.max(3 * server.pingIntervalMs, 30_000);
}
