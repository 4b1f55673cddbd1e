// Scenario 4, round trip: POST /runsync with a no-op handler on warm workers, one client at a time and with a
// few concurrent clients, against the same POST to a bare node:http server (a plain HTTP round trip) from
// the same client on the same machine. For attribution, the sequential case is also run with a minimal
// node:http worker instead of @sluice/worker: the difference is the SDK's share.
import { startBareHttp } from '../lib/bare-http.js';
import { createHttpClient } from '../lib/http-client.js';
import { RUN_BODY } from '../lib/payload.js';
import { row } from '../lib/report.js';
import { benchEndpoint, startSluice } from '../lib/sluice-server.js';
import { summarize } from '../lib/stats.js';

export const title = 'round trip: /runsync no-op vs plain HTTP';

const EP = 'roundtrip';
const RAW_EP = 'roundtrip-raw';
/** Performance round two's target (the first round asked 3×). */
const TARGET = 5;

export async function run(ctx) {
  const { sequential, clients, perClient, workers, concurrency } = ctx.settings.roundTrip;
  const bare = await startBareHttp();
  let sluice;
  try {
    sluice = await startSluice({
      endpoints: {
        [EP]: benchEndpoint({ workers, concurrency }),
        [RAW_EP]: benchEndpoint({ workers, concurrency, kind: 'raw' }),
      },
      profileDir: ctx.profileDir?.('round-trip'),
    });
    await sluice.waitForWorkers(EP, workers);
    await sluice.waitForWorkers(RAW_EP, workers);
    const plainClient = createHttpClient(bare.origin, { maxSockets: clients });
    const syncClient = createHttpClient(sluice.baseUrl, { maxSockets: clients });
    const plain = (client) => expectOk(client.post('/run', RUN_BODY));
    const runsync = (client) => expectOk(client.post(`/v2/${EP}/runsync`, RUN_BODY), true);
    const rawRunsync = (client) => expectOk(client.post(`/v2/${RAW_EP}/runsync`, RUN_BODY), true);
    // Warm both paths, then alternate so that both see the same machine.
    await loop(plainClient, plain, 1, 200);
    await loop(syncClient, runsync, 1, 200);
    await loop(syncClient, rawRunsync, 1, 200);
    const result = {};
    for (const [label, lanes, count] of [
      ['sequential', 1, sequential],
      [`${clients} clients`, clients, perClient],
    ]) {
      const plainMs = await loop(plainClient, plain, lanes, count);
      const syncMs = await loop(syncClient, runsync, lanes, count);
      result[label] = { plain: summarize(plainMs), runsync: summarize(syncMs) };
      if (lanes === 1) result[label].rawWorker = summarize(await loop(syncClient, rawRunsync, lanes, count));
      ctx.log(
        `/runsync ${label}: p50 ${result[label].runsync.p50.toFixed(2)} ms, p99 ${result[label].runsync.p99.toFixed(2)} ms; ` +
          `plain HTTP p50 ${result[label].plain.p50.toFixed(2)} ms, p99 ${result[label].plain.p99.toFixed(2)} ms`,
      );
    }
    plainClient.close();
    syncClient.close();
    await sluice.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile('round-trip') : undefined;
    return { rows: toRows(result, workers, concurrency), data: { workers, concurrency, ...result, profile } };
  } finally {
    await bare.stop();
    if (sluice) {
      await sluice.stop();
      sluice.removeDir();
    }
  }
}

async function expectOk(promise, completed = false) {
  const res = await promise;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  if (completed && JSON.parse(res.text).status !== 'COMPLETED')
    throw new Error(`runsync answered ${res.text.slice(0, 200)}`);
  return res.answeredAt - res.sentAt;
}

/** `lanes` clients, each sending `count` requests one after another; returns every latency. */
async function loop(client, send, lanes, count) {
  const latencies = [];
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let i = 0; i < count; i++) latencies.push(await send(client));
    }),
  );
  return latencies;
}

function toRows(result, workers, concurrency) {
  return Object.entries(result).flatMap(([label, { plain, runsync, rawWorker }]) => [
    row({
      scenario: 'round trip',
      metric: `/runsync p50, ${label}`,
      value: runsync.p50,
      unit: 'ms',
      baseline: plain.p50,
      baselineOf: 'plain HTTP POST',
      target: label === 'sequential' ? `≤ ${TARGET}× plain` : '',
      met: label === 'sequential' ? runsync.p50 <= TARGET * plain.p50 : undefined,
      note: `${runsync.n} requests; ${workers} workers × concurrency ${concurrency}`,
    }),
    row({
      scenario: 'round trip',
      metric: `/runsync p99, ${label}`,
      value: runsync.p99,
      unit: 'ms',
      baseline: plain.p99,
      baselineOf: 'plain HTTP POST',
    }),
    ...(rawWorker
      ? [
          row({
            scenario: 'round trip',
            metric: `/runsync p50, ${label}, minimal node:http worker (no SDK)`,
            value: rawWorker.p50,
            unit: 'ms',
            baseline: plain.p50,
            baselineOf: 'plain HTTP POST',
            note: `for attribution: the same server with a bare job-take/job-done loop; p99 ${rawWorker.p99.toFixed(2)} ms`,
          }),
        ]
      : []),
  ]);
}
