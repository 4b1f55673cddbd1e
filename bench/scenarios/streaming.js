// Scenario 9, token streaming (issue 17): 50 generator jobs at once, each yielding 200 small items 10 ms apart
// on warm @sluice/worker processes. Each item carries the moment it was yielded on the machine's monotonic clock
// (process.hrtime, CLOCK_MONOTONIC: the same clock in the worker and here); the client notes when the bytes that
// completed it arrived on that clock. Read over Sluice's server-sent events and over `/stream` polled as
// runpod-sdk polls it (one GET after another, no pause, the server's default long-poll), against the same items
// from the same kind of worker posted to a bare node:http relay that writes them to an event stream.
import { createHttpClient } from '../lib/http-client.js';
import { cpuMs, spawnProcess } from '../lib/processes.js';
import { row } from '../lib/report.js';
import { benchEndpoint, startSluice, REPO_ROOT } from '../lib/sluice-server.js';
import { readEventStream } from '../lib/sse-client.js';
import { summarize } from '../lib/stats.js';

export const title = 'token streaming: worker yield → client over SSE and /stream polling, vs a bare relay';

const EP = 'stream';
const RELAY_SERVER = `${REPO_ROOT}/bench/lib/bare-relay-server.js`;
const RELAY_WORKER = `${REPO_ROOT}/bench/workers/relay-stream-worker.js`;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export async function run(ctx) {
  const { jobs, items, intervalMs, workers, warmup } = ctx.settings.streaming;
  const perWorker = Math.ceil(jobs / workers);
  const shape = { jobs, items, intervalMs };
  const warm = { jobs: Math.min(jobs, warmup.jobs), items: warmup.items, intervalMs };

  const relay = await startRelay();
  let baseline;
  try {
    await relayRound(relay, warm, workers, 'warm');
    baseline = await relayRound(relay, shape, workers, 'run');
  } finally {
    await relay.stop();
  }
  ctx.log(`bare relay: ${describe(baseline)}`);

  const sluice = await startSluice({
    endpoints: { [EP]: benchEndpoint({ workers, concurrency: perWorker, kind: 'stream' }) },
    profileDir: ctx.profileDir?.('streaming'),
  });
  try {
    await sluice.waitForWorkers(EP, workers);
    const results = {};
    for (const via of ['sse', 'polling']) {
      await sluiceRound(sluice, warm, via);
      results[via] = await sluiceRound(sluice, shape, via);
      ctx.log(`${via === 'sse' ? 'SSE' : '/stream polling'}: ${describe(results[via])}`);
    }
    await sluice.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile('streaming') : undefined;
    return {
      rows: toRows(results, baseline, { ...shape, workers, perWorker }),
      data: { ...shape, workers, concurrency: perWorker, baseline, ...results, profile },
    };
  } finally {
    await sluice.stop();
    sluice.removeDir();
  }
}

/** One round through Sluice: `jobs` submitted at once, each read from its /run answer on until it ends. */
async function sluiceRound(sluice, { jobs, items, intervalMs }, via) {
  const body = JSON.stringify({ input: { count: items, intervalMs } });
  const cpuBefore = cpuMs(sluice.pid);
  // Its own connections: 50 pollers hold theirs for as long as the server holds each read.
  const client = createHttpClient(sluice.baseUrl, { maxSockets: jobs });
  try {
    const perJob = await Promise.all(
      Array.from({ length: jobs }, async () => {
        const res = await client.post(`/v2/${EP}/run`, body);
        if (res.status !== 200) throw new Error(`/run answered ${res.status}: ${res.text.slice(0, 200)}`);
        const { id } = JSON.parse(res.text);
        return via === 'sse' ? readSse(sluice.baseUrl, id) : poll(client, id);
      }),
    );
    return { ...measure(perJob, items), serverCpuMs: cpuMs(sluice.pid) - cpuBefore };
  } finally {
    client.close();
  }
}

async function readSse(baseUrl, id) {
  const got = [];
  let status;
  await readEventStream(`${baseUrl}/v2/${EP}/stream/${id}`, (event) => {
    if (event.event === 'stream') got.push({ item: event.data.output, receivedAt: event.receivedAt });
    else if (event.event === 'done') status = event.data.status;
  });
  return { got, status };
}

/** runpod-sdk's `stream()`: GET /stream/{id} again as soon as each answer is read, until a terminal status. */
async function poll(client, id) {
  const got = [];
  let polls = 0;
  for (;;) {
    const res = await client.get(`/v2/${EP}/stream/${id}`);
    polls++;
    if (res.status !== 200) throw new Error(`/stream answered ${res.status}: ${res.text.slice(0, 200)}`);
    const answer = JSON.parse(res.text);
    for (const item of answer.stream) got.push({ item: item.output, receivedAt: res.answeredAt });
    if (TERMINAL.has(answer.status)) return { got, status: answer.status, polls };
  }
}

async function startRelay() {
  const proc = await spawnProcess(process.execPath, [RELAY_SERVER], { ready: /listening (\d+)/, label: 'bare relay' });
  return { origin: `http://127.0.0.1:${proc.ready[1]}`, pid: proc.pid, stop: () => proc.stop() };
}

/** The baseline round: watchers open on the relay, then `workers` relay-worker processes post the same items. */
async function relayRound(relay, { jobs, items, intervalMs }, workers, tag) {
  const ids = Array.from({ length: jobs }, (_, j) => `${tag}-${j}`);
  const cpuBefore = cpuMs(relay.pid);
  const reads = ids.map(async (id) => {
    const got = [];
    await readEventStream(`${relay.origin}/watch/${id}`, (event) => {
      if (event.event === 'stream') got.push({ item: event.data.output, receivedAt: event.receivedAt });
    });
    return { got, status: 'COMPLETED' };
  });
  const perWorker = Math.ceil(jobs / workers);
  const procs = [];
  for (let w = 0; w * perWorker < jobs; w++) {
    procs.push(
      await spawnProcess(process.execPath, [RELAY_WORKER], {
        label: `relay worker ${w}`,
        env: {
          BENCH_RELAY_URL: relay.origin,
          BENCH_JOBS: ids.slice(w * perWorker, (w + 1) * perWorker).join(','),
          BENCH_ITEMS: String(items),
          BENCH_INTERVAL_MS: String(intervalMs),
        },
      }),
    );
  }
  const codes = await Promise.all(procs.map((p) => p.exited));
  await Promise.all(procs.map((p) => p.stop()));
  if (codes.some((code) => code !== 0)) throw new Error(`a relay worker exited with ${codes.join(', ')}`);
  return { ...measure(await Promise.all(reads), items), serverCpuMs: cpuMs(relay.pid) - cpuBefore };
}

/**
 * Latency of every item (received − yielded), items per second from the first yield to the last receipt, and
 * per job which of its item numbers 0..items-1 never came (lost) or came more than once (repeated).
 */
function measure(perJob, items) {
  const latencies = [];
  let lost = 0;
  let repeated = 0;
  let received = 0;
  let notCompleted = 0;
  let first = Infinity;
  let last = -Infinity;
  let polls = 0;
  for (const { got, status, polls: n = 0 } of perJob) {
    polls += n;
    if (status !== 'COMPLETED') notCompleted++;
    const seen = new Set();
    for (const { item, receivedAt } of got) {
      latencies.push(receivedAt - item.t);
      first = Math.min(first, item.t);
      last = Math.max(last, receivedAt);
      if (seen.has(item.i)) repeated++;
      seen.add(item.i);
      received++;
    }
    for (let i = 0; i < items; i++) if (!seen.has(i)) lost++;
  }
  return {
    jobs: perJob.length,
    received,
    lost,
    repeated,
    notCompleted,
    polls,
    latency: summarize(latencies),
    itemsPerSecond: received / ((last - first) / 1000),
  };
}

function describe(r) {
  return (
    `${r.received} items, yield → client p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, ` +
    `max ${r.latency.max.toFixed(1)} ms, ${Math.round(r.itemsPerSecond)} items/s, server CPU ` +
    `${Math.round((r.serverCpuMs * 1000) / r.received)} µs/item; lost ${r.lost}, repeated ` +
    `${r.repeated}${r.notCompleted ? `, ${r.notCompleted} jobs not COMPLETED` : ''}${r.polls ? `; ${r.polls} polls` : ''}`
  );
}

function toRows(results, baseline, { jobs, items, intervalMs, workers, perWorker }) {
  const baselineOf = 'bare node:http relay';
  return Object.entries(results).flatMap(([via, r]) => {
    const label = via === 'sse' ? 'SSE' : '/stream polling';
    const sse = via === 'sse';
    return [
      row({
        scenario: 'streaming',
        metric: `yield → client p50, ${label}`,
        value: r.latency.p50,
        unit: 'ms',
        baseline: baseline.latency.p50,
        baselineOf,
        target: sse ? '< 2 ms' : '',
        met: sse ? r.latency.p50 < 2 : undefined,
        note:
          `${jobs} jobs × ${items} items ${intervalMs} ms apart at once; ${workers} workers × concurrency ${perWorker}` +
          (r.polls ? `; ${r.polls} GET /stream` : ''),
      }),
      row({
        scenario: 'streaming',
        metric: `yield → client p99, ${label}`,
        value: r.latency.p99,
        unit: 'ms',
        baseline: baseline.latency.p99,
        baselineOf,
        target: sse ? '< 10 ms' : '',
        met: sse ? r.latency.p99 < 10 : undefined,
      }),
      row({
        scenario: 'streaming',
        metric: `yield → client max, ${label}`,
        value: r.latency.max,
        unit: 'ms',
        baseline: baseline.latency.max,
        baselineOf,
      }),
      row({
        scenario: 'streaming',
        metric: `items/s, first yield to last received, ${label}`,
        value: r.itemsPerSecond,
        unit: 'items/s',
        baseline: baseline.itemsPerSecond,
        baselineOf,
      }),
      row({
        scenario: 'streaming',
        metric: `server CPU per item, ${label}`,
        value: (r.serverCpuMs * 1000) / r.received,
        unit: 'µs',
        baseline: (baseline.serverCpuMs * 1000) / baseline.received,
        baselineOf,
        note: 'user + system time of the server process over the round, from /proc (10 ms ticks)',
      }),
      row({
        scenario: 'streaming',
        metric: `items lost / repeated, ${label}`,
        value: `${r.lost} / ${r.repeated}`,
        baseline: `${baseline.lost} / ${baseline.repeated}`,
        baselineOf,
        target: 'none',
        met: r.lost === 0 && r.repeated === 0 && r.notCompleted === 0,
        note: `${r.received} of ${jobs * items} items received; ${r.notCompleted} jobs not COMPLETED`,
      }),
    ];
  });
}
