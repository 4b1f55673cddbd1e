// The Redis store's connection boundary: connecting fast or failing clearly at start, failing requests fast
// during an outage (no offline queue) while reconnecting on its own, registering the scripts, and turning
// every driver failure into a SluiceError.
import { SluiceError, isSluiceError, notRetryable } from '@sluice/protocol';
import { Redis, type RedisOptions } from 'ioredis';
import { SCRIPTS } from './scripts/index.js';

/** How long the first connection may take before the server refuses to start. */
const CONNECT_TIMEOUT_MS = 3000;
/** A command that gets no answer this long fails with ERR_UNAVAILABLE instead of holding a request. */
const COMMAND_TIMEOUT_MS = 10_000;

/** Reply error codes meaning "Redis cannot serve this now" rather than "the request is wrong". */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|OOM|MISCONF)\b/;

/** Errors the scripts raise on purpose (redis.error_reply), as "[ERR ]<code>[ <detail>]". */
const SCRIPT_ERRORS: Record<string, (detail: string) => SluiceError> = {
  ERR_QUEUE_FULL: () => new SluiceError('ERR_QUEUE_FULL'),
  ERR_IDEMPOTENCY_CONFLICT: () => new SluiceError('ERR_IDEMPOTENCY_CONFLICT'),
  ERR_JOB_NOT_RETRYABLE: (status) => notRetryable(status),
};

/** ERR_UNAVAILABLE's text when the command may have run (docs/errors.md): retry with the same Idempotency-Key. */
const OUTCOME_UNKNOWN = 'service unavailable; outcome unknown: the request may have been applied';

function unavailable(cause: unknown, outcomeUnknown = false): SluiceError {
  return outcomeUnknown
    ? new SluiceError('ERR_UNAVAILABLE', OUTCOME_UNKNOWN, { cause })
    : new SluiceError('ERR_UNAVAILABLE', { cause });
}

/**
 * Whether a failed command may have run: it was sent and then its answer was lost (the command timeout passed,
 * or the connection dropped while it waited; ioredis fails those with MaxRetriesPerRequestError, as
 * maxRetriesPerRequest is 0). A command refused before sending (no connection) surely did not run.
 */
function mayHaveRun(error: Error): boolean {
  return error.name === 'MaxRetriesPerRequestError' || error.message === 'Command timed out';
}

/**
 * A SluiceError for a failed Redis call: script refusals become their codes; a lost, refused or timed-out
 * connection, a closed client, or a Redis that is loading, failing over or out of memory is ERR_UNAVAILABLE
 * (503: clients and workers retry), saying "outcome unknown" when the command may have run; any other reply
 * error is ERR_INTERNAL.
 */
export function toStoreError(error: unknown): SluiceError {
  if (isSluiceError(error)) return error;
  if (!(error instanceof Error)) return new SluiceError('ERR_INTERNAL', { cause: error });
  if (error.name !== 'ReplyError') return unavailable(error, mayHaveRun(error));
  const refusal = /(ERR_[A-Z_]+)(?: (.*))?$/.exec(error.message);
  const make = refusal?.[1] === undefined ? undefined : SCRIPT_ERRORS[refusal[1]];
  if (make !== undefined) {
    const made = make(refusal?.[2] ?? '');
    made.cause = error;
    return made;
  }
  if (TRANSIENT_REPLIES.test(error.message)) return unavailable(error);
  return new SluiceError('ERR_INTERNAL', { cause: error });
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

const OPTIONS: RedisOptions = {
  lazyConnect: true,
  connectTimeout: CONNECT_TIMEOUT_MS,
  commandTimeout: COMMAND_TIMEOUT_MS,
  // During an outage every call fails at once (503) instead of queueing until Redis is back.
  enableOfflineQueue: false,
  // A command whose answer was lost may have run: it fails (the caller sees 503) rather than running twice.
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  // RESP2 keeps script replies plain arrays, integers and strings on every Redis version.
  protocol: 2,
  // Reconnect forever, backing off to 2 s; the store recovers without a restart.
  retryStrategy: (times) => Math.min(times * 100, 2000),
};

/**
 * A connected client with every store script defined as a command; rejects with ERR_UNAVAILABLE and a
 * message naming the URL when Redis cannot be reached within the connect timeout, leaving nothing open.
 */
/** How long startup waits for the sentinels to name a reachable master. */
const SENTINEL_STARTUP_MS = 5000;

/** connect(), failing after `ms` (ioredis would keep asking the sentinels for ever). */
async function connectWithin(client: Redis, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no master within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([client.connect(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SentinelOptions {
  name: string;
  sentinels: { host: string; port: number }[];
  password?: string;
}

export async function connectRedis(url: string, purpose: string, sentinel?: SentinelOptions): Promise<Redis> {
  const via: RedisOptions = sentinel
    ? {
        name: sentinel.name,
        sentinels: sentinel.sentinels,
        ...(sentinel.password === undefined ? {} : { sentinelPassword: sentinel.password }),
        // Keep asking: a connection attempt that gives up on the sentinels ends the client for good (ioredis
        // does not reconnect after it), and a failover can leave no master for a while. Startup is bounded below.
        sentinelRetryStrategy: (times) => Math.min(times * 100, 2000),
      }
    : {};
  const client = new Redis(url, { ...OPTIONS, ...via, connectionName: `sluice-${purpose}` });
  // Without a listener ioredis prints every reconnect failure; requests report them instead. The socket's
  // own error (ECONNREFUSED, ENOTFOUND, ETIMEDOUT, NOAUTH…) says more than connect()'s "Connection is closed".
  let socketError: unknown;
  client.on('error', (error: unknown) => (socketError ??= error));
  try {
    await (sentinel ? connectWithin(client, SENTINEL_STARTUP_MS) : client.connect());
  } catch (error) {
    client.disconnect();
    const cause = socketError ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where = sentinel
      ? `master "${sentinel.name}" through sentinels ${sentinel.sentinels.map((a) => `${a.host}:${a.port}`).join(', ')}`
      : `at ${redactUrl(url)}`;
    throw new SluiceError('ERR_UNAVAILABLE', `cannot reach Redis ${where}: ${reason}`, { cause });
  }
  for (const script of Object.values(SCRIPTS)) {
    client.defineCommand(script.name, { numberOfKeys: 1, lua: script.lua });
  }
  return client;
}

/** Closes a client politely (QUIT), or at once when the connection is already gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through: the connection broke while quitting
    }
  }
  client.disconnect();
}
