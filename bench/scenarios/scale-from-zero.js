// Scenario 10, scale from zero (issue 17): an endpoint with `workersMin: 0` and a @sluice/worker no-op worker
// (bench/workers/sluice-noop-worker.js, whose handler returns its start time on the machine's monotonic clock).
// Measured: /run answered → handler start, the endpoint at zero workers each time. Baseline in the same run: the
// same worker file started directly (`node sluice-noop-worker.js`, pointed at the same server) with a job already
// queued: spawn → handler start, i.e. process start, imports, first job-take and the handler call. The two
// alternate, after one unmeasured start of each.
import { spawnProcess } from '../lib/processes.js';
import { row } from '../lib/report.js';
import { benchEndpoint, startSluice, workerScript, REPO_ROOT } from '../lib/sluice-server.js';
import { monoMs, summarize, waitFor } from '../lib/stats.js';

export const title = 'scale from zero: /run answered → handler start, vs the worker started directly';

const COLD = 'cold';
const DIRECT = 'direct';
const RATIO = 1.3;
const PLUS_MS = 50;

export async function run(ctx) {
  const { repetitions } = ctx.settings.scaleFromZero;
  const sluice = await startSluice({
    endpoints: {
      // idleTimeout at its minimum (1 s): the worker leaves soon after its job, so the next round starts at zero.
      [COLD]: { ...benchEndpoint({ workers: 1 }), workersMin: 0, idleTimeout: 1 },
      // No worker command: the directly started worker serves it.
      [DIRECT]: benchEndpoint(),
    },
    profileDir: ctx.profileDir?.('scale-from-zero'),
  });
  try {
    const platform = [];
    const direct = [];
    const delayTime = [];
    for (let round = 0; round <= repetitions; round++) {
      const d = await directStart(sluice, round);
      const p = await coldStart(sluice);
      // Round 0 warms the page cache and the server's paths; it is not counted.
      if (round === 0) continue;
      direct.push(d);
      platform.push(p.ms);
      delayTime.push(p.delayTime);
      ctx.log(
        `round ${round}: platform ${p.ms.toFixed(1)} ms (delayTime ${p.delayTime} ms), direct ${d.toFixed(1)} ms`,
      );
    }
    await sluice.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile('scale-from-zero') : undefined;
    const result = { platform: summarize(platform), direct: summarize(direct), delayTime: summarize(delayTime) };
    return { rows: toRows(result, repetitions), data: { repetitions, ...result, profile } };
  } finally {
    await sluice.stop();
    sluice.removeDir();
  }
}

/** Waits for the endpoint to be at zero workers, submits one job, and times /run answered → handler start. */
async function coldStart(sluice) {
  await waitFor(
    async () => {
      const { scaler } = await sluice.http.json('GET', `/admin/endpoints/${COLD}`);
      return scaler.state === 'zero' ? true : undefined;
    },
    { timeoutMs: 60_000, everyMs: 100, what: `${COLD} to be at zero workers` },
  );
  const id = await submit(sluice, COLD);
  const status = await completed(sluice, COLD, id.id);
  return { ms: status.output.t - id.answeredAt, delayTime: status.delayTime };
}

/** Queues a job, starts the worker file as a plain process pointed at the server, times spawn → handler start. */
async function directStart(sluice, round) {
  const { id } = await submit(sluice, DIRECT);
  const workerId = `direct-${process.pid}-${round}`;
  const ep = `${sluice.baseUrl}/v2/${DIRECT}`;
  const q = '?gpu=cpu';
  const spawnedAt = monoMs();
  const proc = await spawnProcess(process.execPath, [workerScript('sdk')], {
    cwd: REPO_ROOT,
    label: 'worker started directly',
    // What the launcher would set (spec §7.1); auth is off in the bench server, so any key will do.
    env: {
      RUNPOD_WEBHOOK_GET_JOB: `${ep}/job-take/$ID${q}`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${ep}/job-done/$RUNPOD_POD_ID/$ID${q}`,
      RUNPOD_WEBHOOK_POST_STREAM: `${ep}/job-stream/$RUNPOD_POD_ID/$ID${q}`,
      RUNPOD_WEBHOOK_PING: `${ep}/ping/$RUNPOD_POD_ID${q}`,
      SLUICE_WEBHOOK_POST_OUTPUT_BATCH: `${ep}/job-done-batch/$RUNPOD_POD_ID${q}`,
      RUNPOD_AI_API_KEY: 'bench',
      RUNPOD_POD_ID: workerId,
      RUNPOD_ENDPOINT_ID: DIRECT,
      RUNPOD_DEBUG_LEVEL: 'WARN',
    },
  });
  try {
    const status = await completed(sluice, DIRECT, id);
    return status.output.t - spawnedAt;
  } finally {
    await proc.stop();
  }
}

async function submit(sluice, endpointId) {
  const res = await sluice.http.post(`/v2/${endpointId}/run`, { input: { cold: true } });
  if (res.status !== 200) throw new Error(`/run answered ${res.status}: ${res.text.slice(0, 200)}`);
  return { id: JSON.parse(res.text).id, answeredAt: res.answeredAt };
}

function completed(sluice, endpointId, id) {
  return waitFor(
    async () => {
      const status = await sluice.http.json('GET', `/v2/${endpointId}/status/${id}`);
      if (status.status === 'COMPLETED') return status;
      if (status.status !== 'IN_QUEUE' && status.status !== 'IN_PROGRESS')
        throw new Error(`job ${id} ended ${JSON.stringify(status).slice(0, 300)}`);
      return undefined;
    },
    { timeoutMs: 60_000, everyMs: 10, what: `job ${id} on ${endpointId} to complete` },
  );
}

function toRows({ platform, direct, delayTime }, repetitions) {
  const limit = RATIO * direct.p50 + PLUS_MS;
  return [
    row({
      scenario: 'scale from zero',
      metric: '/run answered → handler start p50, workersMin 0',
      value: platform.p50,
      unit: 'ms',
      baseline: direct.p50,
      baselineOf: 'same worker file started directly',
      target: `≤ ${RATIO}× direct + ${PLUS_MS} ms`,
      met: platform.p50 <= limit,
      note:
        `${repetitions} starts each, alternating; limit ${limit.toFixed(0)} ms; platform min ${platform.min.toFixed(0)} ` +
        `max ${platform.max.toFixed(0)} ms, direct min ${direct.min.toFixed(0)} max ${direct.max.toFixed(0)} ms; ` +
        `delayTime p50 ${delayTime.p50} ms`,
    }),
    row({
      scenario: 'scale from zero',
      metric: '/run answered → handler start max, workersMin 0',
      value: platform.max,
      unit: 'ms',
      baseline: direct.max,
      baselineOf: 'same worker file started directly',
    }),
  ];
}
