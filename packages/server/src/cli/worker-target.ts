// Where `sluice worker` takes jobs from: the launcher's RUNPOD_* variables when they are set, else the
// same variables built from --url and --endpoint by the launcher's own workerEnv().
import { randomBytes } from 'node:crypto';
import { DEFAULTS } from '@sluice/protocol';
import { mergeEnv, workerEnv } from '../fleet/worker-env.js';
import { UsageError } from './exit-codes.js';

export interface WorkerTargetFlags {
  url: string;
  endpoint?: string;
  workerId?: string;
  token?: string;
}

export interface WorkerHost {
  hostname: string;
  home: string;
}

export interface WorkerTarget {
  env: NodeJS.ProcessEnv;
  /** Set when flags were given but the launcher's variables won. */
  warning?: string;
}

function baseUrlOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url must be an absolute http(s) URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`--url must be an http or https URL, got ${JSON.stringify(url)}`);
  }
  return (parsed.origin + parsed.pathname).replace(/\/+$/, '');
}

export function resolveWorkerTarget(flags: WorkerTargetFlags, env: NodeJS.ProcessEnv, host: WorkerHost): WorkerTarget {
  const connectionFlags = [flags.endpoint, flags.workerId, flags.token].some((value) => value !== undefined);
  if (env['RUNPOD_WEBHOOK_GET_JOB']?.trim()) {
    // Started by a launcher (Sluice's, or RunPod's): its variables carry the token it registered.
    if (!connectionFlags) return { env };
    return { env, warning: 'RUNPOD_WEBHOOK_GET_JOB is set, so --endpoint, --worker-id and --token are ignored' };
  }
  if (flags.endpoint === undefined) {
    throw new UsageError(
      'no server to take jobs from: pass --endpoint <id> (and --url unless the server is on ' +
        'http://127.0.0.1:8080), start the worker from a Sluice config, or try it with --test-input \'{"input": {...}}\'',
    );
  }
  const ours = workerEnv({
    baseUrl: baseUrlOf(flags.url),
    endpointId: flags.endpoint,
    workerId: flags.workerId ?? `w-${randomBytes(6).toString('hex')}`,
    // Empty means no Authorization header and, as in runpod-python, no pings: fine for a server with auth off.
    token: flags.token ?? '',
    label: 'cpu',
    pingIntervalMs: DEFAULTS.pingInterval,
    home: host.home,
    hostname: host.hostname,
  });
  return { env: mergeEnv(env, {}, ours) };
}
