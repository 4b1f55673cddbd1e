// The Redis key layout of the job store, in one place: TypeScript builds keys from it, and the Lua scripts
// get the same layout as generated key functions (LUA_KEY_FUNCTIONS), so no script spells a key by hand.
//
// Every key of an endpoint starts with the hash tag `{<prefix>:<endpointId>}`, so all of an endpoint's keys
// live in one Redis Cluster slot and every script touches one slot. Scripts receive that tag as KEYS[1] (it
// routes the call) and derive the other keys from it. The few keys that span endpoints carry `{<prefix>}`.
//
//   {p:ep}:job:<id>           hash   one job (JobRecord fields; JSON values as JSON text; absent = no field)
//   {p:ep}:stream:<id>        list   undelivered stream items of a job, oldest first (JSON text)
//   {p:ep}:seq                string queue position counter (tail = INCR; also each job's creation number)
//   {p:ep}:queue              zset   IN_QUEUE jobs, score = queue position (lowest is claimed first)
//   {p:ep}:queued-normal      zset   IN_QUEUE jobs without lowPriority, score = queuedAt (autoscaler stats)
//   {p:ep}:run-deadline       zset   IN_PROGRESS jobs, score = startedAt + executionTimeout
//   {p:ep}:live-deadline      zset   active (non-terminal) jobs, score = ttlDeadline
//   {p:ep}:delete-at          zset   terminal jobs, score = when retention (or an earlier ttl deadline) ends
//   {p:ep}:counts             hash   jobs per status, plus `retried` (stored jobs with retries >= 1)
//   {p:ep}:leased:<workerId>  set    IN_PROGRESS jobs leased to the worker (inFlight, reclaim 'all')
//   {p:ep}:stops:<workerId>   zset   jobs pending a job-stop for the worker, score = job creation number
//   {p:ep}:workers            set    worker ids of the endpoint
//   {p:ep}:worker:<workerId>  hash   one worker (WorkerRecord fields but inFlight)
//   {p:ep}:lease-pings:<wid>  hash   liveness evidence per lease: jobId -> "<startedAt>|<listed 0/1>|<missed>|<lacking>"
//   {p:ep}:idem               hash   idempotency entries: "<scope>\n<key>" -> "<expiresAt>|<jobId>|<fingerprint>"
//   {p:ep}:idem-expiry        zset   idempotency entries by expiresAt
//   {p:ep}:outbox:<id>        hash   a webhook delivery: a snapshot of the job's hash plus ~at, ~url, ~attempts
//   {p:ep}:outbox-due         zset   webhook deliveries by next due time (a lease moves it forward)
//   {p}:endpoints             set    endpoint ids that ever had a job (expire and the outbox walk them)
//   <p>:signals               pub/sub channel of cross-server wake-ups (not a key)
//
// The webhook outbox is per endpoint rather than global on purpose: a terminal transition and its delivery
// must be written by one script, and on Cluster one script reaches one slot.

/** Key suffixes under an endpoint tag; the Lua key functions are generated from this table. */
const ENDPOINT_KEYS = {
  seq: 'seq',
  queue: 'queue',
  queuedNormal: 'queued-normal',
  runDeadline: 'run-deadline',
  liveDeadline: 'live-deadline',
  deleteAt: 'delete-at',
  counts: 'counts',
  workers: 'workers',
  idem: 'idem',
  idemExpiry: 'idem-expiry',
  outboxDue: 'outbox-due',
} as const;

/** Keys of one item under an endpoint tag: `<tag>:<suffix>:<id>`. */
const ITEM_KEYS = {
  job: 'job',
  stream: 'stream',
  leased: 'leased',
  stops: 'stops',
  worker: 'worker',
  leasePings: 'lease-pings',
  outbox: 'outbox',
} as const;

/** The hash tag and base of every key of one endpoint; KEYS[1] of every script. */
export function endpointTag(prefix: string, endpointId: string): string {
  return `{${prefix}:${endpointId}}`;
}

export function endpointKey(tag: string, name: keyof typeof ENDPOINT_KEYS): string {
  return `${tag}:${ENDPOINT_KEYS[name]}`;
}

export function itemKey(tag: string, kind: keyof typeof ITEM_KEYS, id: string): string {
  return `${tag}:${ITEM_KEYS[kind]}:${id}`;
}

/** The set of endpoint ids that ever had a job. */
export function endpointsKey(prefix: string): string {
  return `{${prefix}}:endpoints`;
}

/** Written by the readiness probe (`checkWritable`): proves Redis accepts writes, expires on its own. */
export function readinessKey(prefix: string): string {
  return `{${prefix}}:readiness`;
}

/** The pub/sub channel of wake-ups shared by every server on this prefix. */
export function signalsChannel(prefix: string): string {
  return `${prefix}:signals`;
}

/**
 * The SCAN pattern covering every key of a prefix: `{<prefix>:…` (endpoint tags) and `{<prefix>}:…` (global).
 * A prefix that extends another with ':' ("a" and "a:b") overlaps it; give deployments distinct prefixes.
 */
export function prefixPattern(prefix: string): string {
  const glob = prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  return `{${glob}[:}]*`;
}

/**
 * Lua functions `k_<name>()` and `k_<kind>(id)` building the keys above from BASE (= KEYS[1], the endpoint
 * tag), prepended to every script.
 */
export const LUA_KEY_FUNCTIONS = [
  'local BASE = KEYS[1]',
  ...Object.entries(ENDPOINT_KEYS).map(
    ([name, suffix]) => `local function k_${snake(name)}() return BASE .. ':${suffix}' end`,
  ),
  ...Object.entries(ITEM_KEYS).map(
    ([kind, infix]) => `local function k_${snake(kind)}(id) return BASE .. ':${infix}:' .. id end`,
  ),
].join('\n');

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
