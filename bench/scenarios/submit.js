// Scenario 2, submit throughput: POST /run against a real `sluice serve` (SQLite, synchronous NORMAL; then
// Redis if this build has it), with the connections and body of the ceiling. Afterwards every answered job
// must be stored: the server is killed with SIGKILL, restarted on the same data, and /health counts them.
import { hammer } from '../lib/load.js';
import { RUN_BODY } from '../lib/payload.js';
import { cpuMs } from '../lib/processes.js';
import { deleteKeys, sluiceKeyPrefix, startFailure } from '../lib/redis.js';
import { row, skipped } from '../lib/report.js';
import { benchEndpoint, startSluice } from '../lib/sluice-server.js';

export const title = 'submit throughput: POST /run';

/** Performance round two's targets (the first round asked 0.6× of both). */
const TARGET_RATIO = { sqlite: 0.45, redis: 0.35 };

export async function run(ctx) {
  const rows = [];
  const data = {};
  for (const store of ['sqlite', 'redis']) {
    let result;
    try {
      result = await measure(ctx, store);
    } catch (err) {
      if (store !== 'redis' || !err.startFailed) throw err;
      const reason = `redis store not available: ${startFailure(err.cause)}`;
      ctx.log(`skipped /run on redis (${reason})`);
      rows.push(skipped('submit', '/run req/s, redis', reason, `≥ ${TARGET_RATIO.redis}× ceiling`));
      data.redis = { skipped: reason };
      continue;
    }
    data[store] = result;
    rows.push(...toRows(ctx, store, result));
  }
  // The same store with version 4 job ids (`server.jobIds: uuid4`), against the default version 7 of this run.
  if (data.sqlite) {
    const v4 = await measure(ctx, 'sqlite', { jobIds: 'uuid4' });
    data.sqliteUuid4 = v4;
    rows.push(...idRows(data.sqlite, v4));
  }
  return { rows, data };
}

function idRows(v7, v4) {
  return [
    row({
      scenario: 'submit',
      metric: '/run req/s, sqlite, version 4 job ids',
      value: v4.rps,
      unit: 'req/s',
      baseline: v7.rps,
      baselineOf: 'version 7 ids, this run',
    }),
    row({
      scenario: 'submit',
      metric: 'server CPU per /run, sqlite, version 4 job ids',
      value: v4.serverCpuUs,
      unit: 'µs',
      baseline: v7.serverCpuUs,
      baselineOf: 'version 7 ids, this run',
    }),
  ];
}

async function measure(ctx, store, server = {}) {
  const { connections, seconds, warmupSeconds } = ctx.settings.submit;
  const endpoints = { bench: benchEndpoint() };
  let sluice;
  try {
    sluice = await startSluice({ endpoints, store, server, profileDir: ctx.profileDir?.(`submit-${store}`) });
  } catch (cause) {
    throw Object.assign(new Error('start failed'), { startFailed: true, cause });
  }
  try {
    const url = `${sluice.baseUrl}/v2/bench/run`;
    await hammer({ url, body: RUN_BODY, connections, duration: warmupSeconds });
    const before = (await sluice.health('bench')).jobs.inQueue;
    const cpuBefore = cpuMs(sluice.pid);
    const load = await hammer({ url, body: RUN_BODY, connections, duration: seconds });
    load.serverCpuUs = ((cpuMs(sluice.pid) - cpuBefore) * 1000) / (load.ok + load.non2xx);
    const stored = (await sluice.health('bench')).jobs.inQueue - before;
    const memory = sluice.memory();
    ctx.log(`/run (${store}): ${Math.round(load.rps)} req/s, p50 ${load.p50} ms, p99 ${load.p99} ms; stored ${stored}`);
    // A crash, not a clean stop: committed jobs must survive it. Under --profile the stop is graceful so
    // that the CPU profile gets written.
    if (ctx.profileDir) await sluice.stop();
    else await sluice.kill();
    const restarted = await startSluice({
      endpoints,
      store,
      server,
      dir: sluice.dir,
      redisPrefix: sluice.store.prefix,
    });
    const afterRestart = (await restarted.health('bench')).jobs.inQueue - before;
    await restarted.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile(`submit-${store}`) : undefined;
    return {
      ...load,
      connections,
      stored,
      afterRestart,
      crash: ctx.profileDir ? 'SIGTERM' : 'SIGKILL',
      memory,
      profile,
    };
  } finally {
    await sluice.stop();
    sluice.removeDir();
    if (store === 'redis') await deleteKeys(sluiceKeyPrefix(sluice.store.prefix));
  }
}

function toRows(ctx, store, r) {
  const ceiling = ctx.shared.ceiling;
  const ratio = ceiling ? r.rps / ceiling.rps : undefined;
  // Every job seen stored before the crash is still there after it, and so is every answered one. A few more
  // may appear: requests in flight when the load stopped commit after the snapshot (writes are grouped per turn).
  const durable = r.non2xx === 0 && r.errors === 0 && r.stored >= r.ok && r.afterRestart >= r.stored;
  return [
    row({
      scenario: 'submit',
      metric: `/run req/s, ${store}`,
      value: r.rps,
      unit: 'req/s',
      baseline: ceiling?.rps,
      baselineOf: 'bare node:http',
      target: `≥ ${TARGET_RATIO[store]}× ceiling`,
      met: ratio === undefined ? undefined : ratio >= TARGET_RATIO[store],
    }),
    row({
      scenario: 'submit',
      metric: `/run p50, ${store}`,
      value: r.p50,
      unit: 'ms',
      baseline: ceiling?.p50,
      baselineOf: 'bare node:http',
    }),
    row({
      scenario: 'submit',
      metric: `/run p99, ${store}`,
      value: r.p99,
      unit: 'ms',
      baseline: ceiling?.p99,
      baselineOf: 'bare node:http',
    }),
    row({
      scenario: 'submit',
      metric: `server CPU per /run, ${store}`,
      value: r.serverCpuUs,
      unit: 'µs',
      baseline: ceiling?.serverCpuUs,
      baselineOf: 'bare node:http',
    }),
    row({
      scenario: 'submit',
      metric: `answered 200 vs stored (after ${r.crash} + restart), ${store}`,
      value: `${r.ok} / ${r.afterRestart}`,
      target: 'stored ≥ answered, no errors',
      met: durable,
      note: `${r.stored - r.ok} stored but unanswered (in flight when the load stopped, ≤ ${r.connections}); non-2xx ${r.non2xx}, errors ${r.errors}`,
    }),
  ];
}
