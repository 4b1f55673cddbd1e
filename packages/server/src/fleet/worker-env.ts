// The environment a launched worker gets (spec §7.1, §7.2): RunPod's variables pointing at this server,
// so runpod-python and @sluice/worker processes start alike. These override user variables of the same name.

export interface WorkerEnvInput {
  baseUrl: string;
  endpointId: string;
  workerId: string;
  token: string;
  /** URL-safe, non-empty label such as `cpu` or `NVIDIA+RTX+A5000`. */
  label: string;
  pingIntervalMs: number;
  home: string;
  hostname: string;
  /** GPU indices for CUDA_VISIBLE_DEVICES; undefined leaves the variable alone. */
  gpus?: number[];
}

export function workerEnv(input: WorkerEnvInput): Record<string, string> {
  const ep = `${input.baseUrl}/v2/${input.endpointId}`;
  const q = `?gpu=${input.label}`;
  const env: Record<string, string> = {
    RUNPOD_WEBHOOK_GET_JOB: `${ep}/job-take/$ID${q}`,
    RUNPOD_WEBHOOK_POST_OUTPUT: `${ep}/job-done/$RUNPOD_POD_ID/$ID${q}`,
    RUNPOD_WEBHOOK_POST_STREAM: `${ep}/job-stream/$RUNPOD_POD_ID/$ID${q}`,
    RUNPOD_WEBHOOK_PING: `${ep}/ping/$RUNPOD_POD_ID${q}`,
    // Sluice's own extension, used by @sluice/worker only: several final results per request.
    SLUICE_WEBHOOK_POST_OUTPUT_BATCH: `${ep}/job-done-batch/$RUNPOD_POD_ID${q}`,
    // Another: job-done and job-done-batch answer `next=N` with the worker's next jobs.
    SLUICE_JOB_DONE_NEXT: 'true',
    RUNPOD_AI_API_KEY: input.token,
    RUNPOD_POD_ID: input.workerId,
    RUNPOD_POD_HOSTNAME: input.hostname,
    RUNPOD_ENDPOINT_ID: input.endpointId,
    RUNPOD_PING_INTERVAL: String(input.pingIntervalMs),
    RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: 'true',
    RUNPOD_SKIP_GPU_CHECK: 'true',
    RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS: 'true',
    HOME: input.home,
  };
  if (input.gpus !== undefined) env['CUDA_VISIBLE_DEVICES'] = input.gpus.join(',');
  return env;
}

/**
 * The server's env without its own SLUICE_* settings (they hold client API keys a worker must not see),
 * then the endpoint's `worker.env`, then ours. RUNPOD_REALTIME_PORT is dropped: it replaces the job loop.
 */
export function mergeEnv(
  base: NodeJS.ProcessEnv,
  user: Record<string, string>,
  ours: Record<string, string>,
): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(base).filter(([name]) => !name.startsWith('SLUICE_')));
  const env: NodeJS.ProcessEnv = { ...inherited, ...user, ...ours };
  delete env['RUNPOD_REALTIME_PORT'];
  return env;
}
