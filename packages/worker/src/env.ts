// The environment a launcher gives a worker (spec §7.1), read the way runpod-python reads it.
import { DEFAULTS } from '@sluice/protocol';

export interface WorkerEnv {
  /** RUNPOD_WEBHOOK_GET_JOB; absent means "no server": only a local test run is possible. */
  jobTakeTemplate?: string;
  /** RUNPOD_WEBHOOK_POST_OUTPUT. */
  jobDoneTemplate?: string;
  /** RUNPOD_WEBHOOK_POST_STREAM. */
  jobStreamTemplate?: string;
  /** SLUICE_WEBHOOK_POST_OUTPUT_BATCH: Sluice's launcher offers job-done-batch (absent on RunPod). */
  jobDoneBatchTemplate?: string;
  /** SLUICE_JOB_DONE_NEXT=true: result posts may ask for the worker's next jobs (`next=N`, absent on RunPod). */
  jobDoneNext: boolean;
  /** RUNPOD_WEBHOOK_PING. */
  pingTemplate?: string;
  /** RUNPOD_AI_API_KEY, sent raw as `Authorization`. */
  apiKey?: string;
  /** RUNPOD_POD_ID, the worker id the launcher assigned. */
  podId?: string;
  /** RUNPOD_POD_HOSTNAME, reported in handler error objects. */
  hostname: string;
  /** RUNPOD_PING_INTERVAL in ms, rounded down to whole seconds like runpod-python, at least 1 s. */
  pingIntervalMs: number;
}

function value(env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function readWorkerEnv(env: Record<string, string | undefined>): WorkerEnv {
  const interval = Number.parseInt(value(env, 'RUNPOD_PING_INTERVAL') ?? '', 10);
  // runpod-python sleeps `interval // 1000` seconds; below 1000 that is 0 s and a hot loop, so we floor at 1 s.
  const pingIntervalMs = Number.isFinite(interval)
    ? Math.max(1000, Math.floor(interval / 1000) * 1000)
    : DEFAULTS.pingInterval;
  const read = {
    jobTakeTemplate: value(env, 'RUNPOD_WEBHOOK_GET_JOB'),
    jobDoneTemplate: value(env, 'RUNPOD_WEBHOOK_POST_OUTPUT'),
    jobStreamTemplate: value(env, 'RUNPOD_WEBHOOK_POST_STREAM'),
    jobDoneBatchTemplate: value(env, 'SLUICE_WEBHOOK_POST_OUTPUT_BATCH'),
    pingTemplate: value(env, 'RUNPOD_WEBHOOK_PING'),
    apiKey: value(env, 'RUNPOD_AI_API_KEY'),
    podId: value(env, 'RUNPOD_POD_ID'),
  };
  const defined = Object.entries(read).filter(([, v]) => v !== undefined);
  return {
    ...(Object.fromEntries(defined) as Partial<typeof read>),
    jobDoneNext: value(env, 'SLUICE_JOB_DONE_NEXT') === 'true',
    hostname: value(env, 'RUNPOD_POD_HOSTNAME') ?? 'unknown',
    pingIntervalMs,
  };
}
