// Scenario 3, dispatch latency: warm @sluice/worker processes (launched by the server from the endpoint's
// worker config) long-poll while jobs arrive at fixed rates. Each handler returns its start time on the
// machine's monotonic clock; the client notes when each /run answer arrived on the same clock. Reported:
// handler start − /run answered, and Sluice's own delayTime (whole ms, server clock).
import { RUN_BODY } from '../lib/payload.js';
import { row } from '../lib/report.js';
import { benchEndpoint, startSluice } from '../lib/sluice-server.js';
import { monoMs, pool, sleep, summarize } from '../lib/stats.js';

export const title = 'dispatch latency: /run answered → handler start, warm workers';

const EP = 'dispatch';

export async function run(ctx) {
  const { rates, seconds, workers, concurrency } = ctx.settings.dispatch;
  const sluice = await startSluice({
    endpoints: { [EP]: benchEndpoint({ workers, concurrency }) },
    profileDir: ctx.profileDir?.('dispatch'),
  });
  try {
    await sluice.waitForWorkers(EP, workers);
    // Warm-up: JIT, sockets and SQLite pages, at a middling rate.
    await measureRate(sluice, 300, 1);
    const phases = [];
    for (const rate of rates) {
      const phase = await measureRate(sluice, rate, seconds);
      ctx.log(
        `${rate} jobs/s: achieved ${Math.round(phase.achievedRate)}/s; handler start − /run answered ` +
          `p50 ${phase.dispatch.p50.toFixed(2)} ms, p99 ${phase.dispatch.p99.toFixed(2)} ms, max ${phase.dispatch.max.toFixed(1)} ms; ` +
          `delayTime p50 ${phase.delayTime.p50} p99 ${phase.delayTime.p99} ms; /run p50 ${phase.runLatency.p50.toFixed(2)} ms`,
      );
      phases.push(phase);
    }
    await sluice.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile('dispatch') : undefined;
    return {
      rows: phases.flatMap((phase) => toRows(phase, workers, concurrency)),
      data: { workers, concurrency, phases, profile },
    };
  } finally {
    await sluice.stop();
    sluice.removeDir();
  }
}

/** Submits at `rate` jobs/s (open loop) for `seconds`, waits for all to finish, then reads their outputs. */
async function measureRate(sluice, rate, seconds) {
  const total = Math.round(rate * seconds);
  const submitted = [];
  const inflight = [];
  const start = monoMs();
  let sent = 0;
  let errors = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((monoMs() - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      inflight.push(
        sluice.http.post(`/v2/${EP}/run`, RUN_BODY).then(
          (res) => {
            if (res.status === 200)
              submitted.push({ id: JSON.parse(res.text).id, sentAt: res.sentAt, answeredAt: res.answeredAt });
            else errors++;
          },
          () => errors++,
        ),
      );
    }
    // Timers tick about once a millisecond; each tick sends whatever has fallen due, so the rate holds
    // without a busy loop taking a core from the server and the workers.
    await sleep(1);
  }
  await Promise.all(inflight);
  const elapsed = (monoMs() - start) / 1000;
  await sluice.waitForIdle(EP);
  const completedRate = total / ((monoMs() - start) / 1000);
  const dispatch = [];
  const delayTime = [];
  const runLatency = [];
  await pool(submitted.length, 16, async (i) => {
    const job = submitted[i];
    const res = await sluice.http.get(`/v2/${EP}/status/${job.id}`);
    const status = JSON.parse(res.text);
    if (status.status !== 'COMPLETED') {
      errors++;
      return;
    }
    dispatch.push(status.output.t - job.answeredAt);
    delayTime.push(status.delayTime);
    runLatency.push(job.answeredAt - job.sentAt);
  });
  return {
    rate,
    seconds,
    jobs: submitted.length,
    achievedRate: total / elapsed,
    completedRate,
    errors,
    beforeAnswer: dispatch.filter((d) => d < 0).length,
    dispatch: summarize(dispatch),
    delayTime: summarize(delayTime),
    runLatency: summarize(runLatency),
  };
}

function toRows(phase, workers, concurrency) {
  const at = `${phase.rate} jobs/s`;
  const d = phase.dispatch;
  const rows = [
    row({
      scenario: 'dispatch',
      metric: `handler start − /run answered p50, ${at}`,
      value: d.p50,
      unit: 'ms',
      baseline: phase.runLatency.p50,
      baselineOf: '/run round trip p50',
      target: phase.rate === 1000 ? '< 1 ms' : '',
      met: phase.rate === 1000 ? d.p50 < 1 : undefined,
      note:
        `${workers} workers × concurrency ${concurrency}; ${phase.jobs} jobs, ${phase.beforeAnswer} started before the client read ` +
        `the /run answer; errors ${phase.errors}; ${Math.round(phase.completedRate)} jobs/s completed` +
        (phase.completedRate < 0.9 * phase.rate
          ? ' (below the offered rate: the queue built up, so this is queueing delay)'
          : ''),
    }),
    row({
      scenario: 'dispatch',
      metric: `handler start − /run answered p99, ${at}`,
      value: d.p99,
      unit: 'ms',
      baseline: phase.runLatency.p99,
      baselineOf: '/run round trip p99',
      target: phase.rate === 1000 ? '< 5 ms' : '',
      met: phase.rate === 1000 ? d.p99 < 5 : undefined,
    }),
    row({
      scenario: 'dispatch',
      metric: `handler start − /run answered max, ${at}`,
      value: d.max,
      unit: 'ms',
      baseline: phase.runLatency.max,
      baselineOf: '/run round trip max',
    }),
    row({
      scenario: 'dispatch',
      metric: `delayTime p50 / p99 / max, ${at}`,
      value: `${phase.delayTime.p50} / ${phase.delayTime.p99} / ${phase.delayTime.max} ms`,
      baseline: null,
      note: 'Sluice-reported, whole milliseconds',
    }),
  ];
  return rows;
}
