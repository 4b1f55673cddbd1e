// Scenario 5, end to end: N no-op jobs submitted by 32 concurrent clients and run by 2 worker processes at
// concurrency 1, 8 and 32 (the SDK takes as many jobs per request as it has free slots), timed from the first
// submission to the last completion. Side by side: BullMQ with its own worker processes, the same jobs, the
// same concurrency, on the same Redis (unique prefix, removed afterwards).
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { RUN_BODY } from '../lib/payload.js';
import { childPids, spawnProcess, totalCpuMs } from '../lib/processes.js';
import { deleteKeys, sluiceKeyPrefix, redisPid, redisReachable, startFailure } from '../lib/redis.js';
import { row, skipped } from '../lib/report.js';
import { REDIS_URL, benchEndpoint, startSluice } from '../lib/sluice-server.js';
import { monoMs, pool, waitFor } from '../lib/stats.js';

/** Performance round two's targets: jobs/s as a share of BullMQ's (the first round asked 1× on Redis). */
const TARGET = { sqlite: 0.6, redis: 0.5 };

export const title = 'end to end: no-op jobs/s, Sluice TS workers vs BullMQ';

const EP = 'e2e';
const WARMUP_JOBS = 100;
const BULL_WORKER = fileURLToPath(new URL('../workers/bullmq-worker.js', import.meta.url));
const INPUT = JSON.parse(RUN_BODY).input;

export async function run(ctx) {
  const { concurrencies } = ctx.settings.endToEnd;
  const data = { sqlite: {}, redis: {}, bullmq: {} };
  const haveRedis = await redisReachable();
  for (const c of concurrencies) {
    data.sqlite[c] = await sluiceRun(ctx, 'sqlite', c);
    if (haveRedis) data.bullmq[c] = await bullmqRun(ctx, c);
  }
  if (haveRedis) {
    for (const c of concurrencies) {
      try {
        data.redis[c] = await sluiceRun(ctx, 'redis', c);
      } catch (err) {
        if (!err.startFailed) throw err;
        data.redis = { skipped: `redis store not available: ${startFailure(err.cause)}` };
        break;
      }
    }
  } else {
    data.redis = { skipped: 'Redis does not answer at 127.0.0.1:6379' };
    data.bullmq = { skipped: 'Redis does not answer at 127.0.0.1:6379' };
  }
  return { rows: toRows(ctx, data), data };
}

async function sluiceRun(ctx, store, concurrency) {
  const { workers } = ctx.settings.endToEnd;
  let sluice;
  try {
    sluice = await startSluice({
      endpoints: { [EP]: benchEndpoint({ workers, concurrency }) },
      store,
      profileDir: ctx.profileDir?.(`e2e-${store}-${concurrency}`),
    });
  } catch (cause) {
    throw Object.assign(new Error('start failed'), { startFailed: true, cause });
  }
  try {
    await sluice.waitForWorkers(EP, workers);
    const workerPids = childPids(sluice.pid);
    // On Redis the store's own CPU counts too, as it does for BullMQ.
    const redis = store === 'redis' ? await redisPid() : undefined;
    const result = await measure(ctx, {
      label: `sluice ${store}`,
      concurrency,
      cpuPids: { server: redis === undefined ? [sluice.pid] : [sluice.pid, redis], workers: workerPids },
      submit: () =>
        sluice.http.post(`/v2/${EP}/run`, RUN_BODY).then(
          (res) => res.status === 200,
          () => false,
        ),
      completed: async () => (await sluice.health(EP)).jobs.completed,
    });
    await sluice.stop();
    if (ctx.profileDir) result.profile = ctx.summarizeProfile(`e2e-${store}-${concurrency}`);
    return result;
  } finally {
    await sluice.stop();
    sluice.removeDir();
    if (store === 'redis') await deleteKeys(sluiceKeyPrefix(sluice.store.prefix));
  }
}

async function bullmqRun(ctx, concurrency) {
  const { workers } = ctx.settings.endToEnd;
  const prefix = `bench-bullmq-${process.pid}-${Date.now()}`;
  const queueName = 'noop';
  const url = new URL(REDIS_URL);
  const queue = new Queue(queueName, {
    connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null },
    prefix,
  });
  const procs = [];
  try {
    for (let i = 0; i < workers; i++) {
      procs.push(
        await spawnProcess(process.execPath, [BULL_WORKER], {
          env: {
            BENCH_QUEUE: queueName,
            BENCH_PREFIX: prefix,
            BENCH_CONCURRENCY: String(concurrency),
            BENCH_REDIS_URL: REDIS_URL,
          },
          ready: /^ready$/m,
          label: 'bullmq worker',
        }),
      );
    }
    const redis = await redisPid();
    return await measure(ctx, {
      label: 'bullmq',
      concurrency,
      cpuPids: { server: redis === undefined ? [] : [redis], workers: procs.map((p) => p.pid) },
      submit: () =>
        queue.add('noop', INPUT).then(
          () => true,
          () => false,
        ),
      completed: async () => (await queue.getJobCounts('completed')).completed,
    });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await deleteKeys(prefix);
  }
}

/**
 * The same measurement for Sluice and BullMQ: a warm-up batch, then `jobs` jobs submitted through `submit` (false:
 * not accepted) from `submitters` concurrent lanes, timed until `completed()` has grown by every accepted one.
 */
async function measure(ctx, { label, concurrency, cpuPids, submit, completed }) {
  const { jobs, workers, submitters } = ctx.settings.endToEnd;
  let errors = 0;
  const batch = async (count) => {
    const base = await completed();
    const cpu = startCpu(cpuPids);
    const start = monoMs();
    await pool(count, submitters, async () => {
      if (!(await submit())) errors++;
    });
    const submitted = monoMs();
    await waitFor(async () => ((await completed()) - base >= count - errors ? true : undefined), {
      everyMs: 20,
      timeoutMs: 300_000,
      what: `${count} ${label} jobs to complete`,
    });
    return {
      seconds: (monoMs() - start) / 1000,
      submitSeconds: (submitted - start) / 1000,
      cpuMsPerJob: cpu.perJob(count),
    };
  };
  await batch(WARMUP_JOBS);
  const { seconds, submitSeconds, cpuMsPerJob } = await batch(jobs);
  const result = {
    jobs,
    workers,
    concurrency,
    seconds,
    jobsPerSecond: jobs / seconds,
    submitSeconds,
    cpuMsPerJob,
    errors,
  };
  ctx.log(
    `${label}, ${workers} workers × ${concurrency}: ${Math.round(result.jobsPerSecond)} jobs/s (${jobs} in ${seconds.toFixed(1)} s), errors ${errors}`,
  );
  return result;
}

/**
 * CPU time per job of each part (the queue server: Sluice or Redis; the workers; this client), which unlike
 * jobs/s hardly depends on what else the machine is doing.
 */
function startCpu({ server, workers }) {
  const before = { server: totalCpuMs(server), workers: totalCpuMs(workers), client: process.cpuUsage() };
  return {
    perJob(count) {
      const client = process.cpuUsage(before.client);
      return {
        server: (totalCpuMs(server) - before.server) / count,
        workers: (totalCpuMs(workers) - before.workers) / count,
        client: (client.user + client.system) / 1000 / count,
      };
    },
  };
}

function toRows(ctx, data) {
  const { concurrencies, workers, jobs } = ctx.settings.endToEnd;
  const rows = [];
  for (const store of ['sqlite', 'redis']) {
    if (data[store].skipped) {
      rows.push(skipped('end to end', `no-op jobs/s, ${store}`, data[store].skipped, `≥ ${TARGET[store]}× BullMQ`));
      continue;
    }
    for (const c of concurrencies) {
      const mine = data[store][c];
      const bull = data.bullmq[c];
      const isTarget = Boolean(bull);
      rows.push(
        row({
          scenario: 'end to end',
          metric: `no-op jobs/s, ${store}, ${workers} workers × ${c}`,
          value: mine.jobsPerSecond,
          unit: 'jobs/s',
          baseline: bull?.jobsPerSecond,
          baselineOf: bull ? 'BullMQ, same workers' : '',
          target: `≥ ${TARGET[store]}× BullMQ`,
          met: isTarget ? mine.jobsPerSecond >= TARGET[store] * bull.jobsPerSecond : undefined,
          note: `${jobs} jobs; submitted in ${mine.submitSeconds.toFixed(1)} s (BullMQ ${bull ? bull.submitSeconds.toFixed(1) : '—'} s); errors ${mine.errors}`,
        }),
        row({
          scenario: 'end to end',
          metric: `CPU ms per job (server${store === 'redis' ? ' + Redis' : ''} + workers), ${store}, ${workers} workers × ${c}`,
          value: mine.cpuMsPerJob.server + mine.cpuMsPerJob.workers,
          unit: 'ms',
          baseline: bull ? bull.cpuMsPerJob.server + bull.cpuMsPerJob.workers : undefined,
          baselineOf: bull ? 'BullMQ: Redis + workers' : '',
          note:
            `Sluice server${store === 'redis' ? ' + Redis' : ''} ${mine.cpuMsPerJob.server.toFixed(2)} + workers ${mine.cpuMsPerJob.workers.toFixed(2)}; ` +
            (bull
              ? `Redis ${bull.cpuMsPerJob.server.toFixed(2)} + BullMQ workers ${bull.cpuMsPerJob.workers.toFixed(2)}`
              : ''),
        }),
      );
    }
  }
  return rows;
}
