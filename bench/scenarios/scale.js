// Scenario 6, scale. (a) Server memory with N queued jobs (1,000,000; 100,000 with --quick), submitted through
// many concurrent /run, then the time to drain that queue with job-take-batch. (b) 5,000 workers long-polling
// job-take at once, each with its own id and connection, then the time until every one has been handed a job;
// the same is timed against bare node:http holding and releasing 5,000 requests.
import http from 'node:http';
import { startBareHttp } from '../lib/bare-http.js';
import { createHttpClient } from '../lib/http-client.js';
import { hammer } from '../lib/load.js';
import { RUN_BODY } from '../lib/payload.js';
import { row } from '../lib/report.js';
import { benchEndpoint, startSluice } from '../lib/sluice-server.js';
import { monoMs, pool, sleep, waitFor } from '../lib/stats.js';

export const title = 'scale: queued-job memory, 5,000 long-pollers';

const RSS_TARGET_MB = 300;
const HOLD_MS = 60_000;

export async function run(ctx) {
  const queue = await queuedJobs(ctx);
  const pollers = await longPollers(ctx);
  return { rows: [...queue.rows, ...pollers.rows], data: { queue: queue.data, pollers: pollers.data } };
}

async function queuedJobs(ctx) {
  const { queued: wanted, connections, drainers, batch, maxFillSeconds } = ctx.settings.scale;
  const sluice = await startSluice({
    endpoints: { scale: benchEndpoint(), warm: benchEndpoint() },
    profileDir: ctx.profileDir?.('scale-queue'),
  });
  try {
    await hammer({ url: `${sluice.baseUrl}/v2/warm/run`, body: RUN_BODY, connections, amount: 2000 });
    const idle = sluice.memory();
    const load = await hammer({
      url: `${sluice.baseUrl}/v2/scale/run`,
      body: RUN_BODY,
      connections,
      amount: wanted,
      maxSeconds: maxFillSeconds,
    });
    // Stopped early by maxFillSeconds, a few requests in flight may be stored yet unanswered: count the store.
    const queued = (await sluice.health('scale')).jobs.inQueue;
    const inQueue = queued;
    const full = sluice.memory();
    const cut = queued < wanted ? ` (stopped after ${maxFillSeconds} s, short of ${wanted})` : '';
    ctx.log(
      `${queued} jobs queued${cut} in ${load.seconds.toFixed(0)} s (${Math.round(load.rps)} req/s, non-2xx ${load.non2xx}, ` +
        `errors ${load.errors}); inQueue ${inQueue}; RSS ${full.rss.toFixed(0)} MB (peak ${full.peak.toFixed(0)} MB, idle ${idle.rss.toFixed(0)} MB)`,
    );
    const drain = await drainQueue(sluice, queued, drainers, batch);
    const drained = sluice.memory();
    ctx.log(
      `drained ${drain.taken} jobs in ${drain.seconds.toFixed(1)} s (${Math.round(drain.taken / drain.seconds)} jobs/s); RSS ${drained.rss.toFixed(0)} MB`,
    );
    await sluice.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile('scale-queue') : undefined;
    const data = {
      wanted,
      queued,
      maxFillSeconds,
      connections,
      submit: load,
      inQueue,
      memory: { idle, full, drained },
      drain: { ...drain, drainers, batch },
      profile,
    };
    const label = queued.toLocaleString('en-US');
    return {
      data,
      rows: [
        row({
          scenario: 'scale',
          metric: `server RSS with ${label} queued jobs`,
          value: full.rss,
          unit: 'MB',
          baseline: idle.rss,
          baselineOf: 'same server, idle',
          target: `< ${RSS_TARGET_MB} MB${queued < 1_000_000 ? ' (set for 1M)' : ''}`,
          met: full.rss < RSS_TARGET_MB && inQueue >= load.ok && load.non2xx === 0 && load.errors === 0,
          note:
            `peak RSS ${full.peak.toFixed(0)} MB; ${load.ok} answered 200, ${inQueue} in queue${cut}; ` +
            `submitted at ${Math.round(load.rps)} req/s over ${connections} connections`,
        }),
        row({
          scenario: 'scale',
          metric: `time to queue ${label} jobs (/run)`,
          value: load.seconds,
          unit: 's',
          baseline: queued / (ctx.shared.ceiling?.rps ?? NaN),
          baselineOf: 'same count at ceiling req/s',
        }),
        row({
          scenario: 'scale',
          metric: `time to drain ${label} queued jobs (job-take-batch ×${batch}, ${drainers} pollers)`,
          value: drain.seconds,
          unit: 's',
          baseline: load.seconds,
          baselineOf: 'time to queue them',
          note: `${Math.round(drain.taken / drain.seconds)} jobs/s claimed; RSS after ${drained.rss.toFixed(0)} MB`,
        }),
      ],
    };
  } finally {
    await sluice.stop();
    sluice.removeDir();
  }
}

/** Claims every queued job with `lanes` concurrent job-take-batch pollers, never asking an empty queue. */
async function drainQueue(sluice, total, lanes, batch) {
  const client = createHttpClient(sluice.baseUrl, { maxSockets: lanes });
  let taken = 0;
  let reserved = 0;
  const start = monoMs();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (taken + reserved < total) {
        reserved += batch;
        const res = await client.get(`/v2/scale/job-take-batch/drainer-${lane}?batch_size=${batch}`);
        reserved -= batch;
        if (res.status !== 200) throw new Error(`job-take-batch answered ${res.status}`);
        taken += JSON.parse(res.text).length;
      }
    }),
  );
  client.close();
  return { taken, seconds: (monoMs() - start) / 1000 };
}

async function longPollers(ctx) {
  const wanted = ctx.settings.scale.pollers;
  // Both ends of every connection live on this machine, in two processes with their own limits.
  const reported = ctx.machine?.fileDescriptorLimit;
  const limit = Number.isFinite(reported) ? reported : Infinity;
  const count = Math.min(wanted, limit - 500);
  const note = count < wanted ? `reduced to ${count} by ulimit -n ${limit}` : `ulimit -n ${limit}`;
  const sluice = await startSluice({
    endpoints: { pollers: benchEndpoint() },
    server: { workerPollHoldMs: HOLD_MS },
    profileDir: ctx.profileDir?.('scale-pollers'),
  });
  const bare = await startBareHttp();
  try {
    const idle = { sluice: sluice.memory(), bare: bare.memory() };
    const mine = await pollerRound({
      origin: sluice.baseUrl,
      count,
      pollPath: (i) => `/v2/pollers/job-take/poller-${i}`,
      parked: async () => (await sluice.health('pollers')).workers.ready,
      releasePath: '/v2/pollers/run',
      whenParked: () => ({ memory: sluice.memory(), fds: sluice.fds() }),
    });
    ctx.log(
      `${count} long-pollers parked in ${mine.parkSeconds.toFixed(1)} s (server RSS ${mine.parked.memory.rss.toFixed(0)} MB, ` +
        `${mine.parked.fds} fds), ` +
        `all handed a job ${mine.releaseSeconds.toFixed(2)} s after the first /run; errors ${mine.errors}, re-polls ${mine.repolls}`,
    );
    const baseline = await pollerRound({
      origin: bare.origin,
      count,
      pollPath: (i) => `/hold/${i}`,
      parked: async () => JSON.parse((await fetch(`${bare.origin}/held`).then((r) => r.text())) || '{}').held,
      releasePath: '/release-one',
      whenParked: () => ({ memory: bare.memory() }),
    });
    ctx.log(
      `bare node:http: ${count} held in ${baseline.parkSeconds.toFixed(1)} s, all released in ${baseline.releaseSeconds.toFixed(2)} s`,
    );
    await sluice.stop();
    const profile = ctx.profileDir ? ctx.summarizeProfile('scale-pollers') : undefined;
    const ok = mine.errors === 0 && mine.answered === count;
    return {
      data: {
        count,
        note,
        sluice: mine,
        bare: baseline,
        memory: { idle, parked: { sluice: mine.parked.memory, bare: baseline.parked.memory } },
        fds: mine.parked.fds,
        profile,
      },
      rows: [
        row({
          scenario: 'scale',
          metric: `${count} long-polling workers: all parked`,
          value: mine.parkSeconds,
          unit: 's',
          baseline: baseline.parkSeconds,
          baselineOf: 'bare node:http holding them',
          target: 'no error',
          met: ok,
          note: `errors ${mine.errors}; re-polls after a ${HOLD_MS / 1000} s hold ${mine.repolls}; ${note}`,
        }),
        row({
          scenario: 'scale',
          metric: `server RSS with ${count} long-pollers`,
          value: mine.parked.memory.rss,
          unit: 'MB',
          baseline: baseline.parked.memory.rss,
          baselineOf: 'bare node:http holding them',
          note: `idle: Sluice ${idle.sluice.rss.toFixed(0)} MB, bare node:http ${idle.bare.rss.toFixed(0)} MB`,
        }),
        row({
          scenario: 'scale',
          metric: `time until all ${count} pollers got a job`,
          value: mine.releaseSeconds,
          unit: 's',
          baseline: baseline.releaseSeconds,
          baselineOf: 'bare node:http releasing them',
          note: `${mine.answered} answered with a job; ${count} /run over 64 connections`,
        }),
      ],
    };
  } finally {
    await bare.stop();
    await sluice.stop();
    sluice.removeDir();
  }
}

/**
 * Opens `count` held GETs, one connection each (ramped so the listen backlog is not overrun), waits until
 * the server reports them all parked, then POSTs `count` releases over 64 connections and times until every
 * held request has been answered with a 200.
 */
async function pollerRound({ origin, count, pollPath, parked, releasePath, whenParked }) {
  const url = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let errors = 0;
  let repolls = 0;
  let answered = 0;
  let lastAnswerAt = 0;
  const poll = (i) =>
    new Promise((resolve) => {
      const req = http.get({ host: url.hostname, port: url.port, path: pollPath(i), agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) {
            answered++;
            lastAnswerAt = monoMs();
            resolve();
          } else if (res.statusCode === 204) {
            repolls++;
            resolve(poll(i));
          } else {
            errors++;
            resolve();
          }
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const start = monoMs();
  const done = [];
  for (let i = 0; i < count; i++) {
    done.push(poll(i));
    if (i % 250 === 249) await sleep(10);
  }
  await waitFor(async () => ((await parked()) >= count ? true : undefined), {
    timeoutMs: 60_000,
    everyMs: 250,
    what: `${count} pollers to park`,
  });
  const parkSeconds = (monoMs() - start) / 1000;
  const parkedState = whenParked();
  const releaser = createHttpClient(origin, { maxSockets: 64 });
  const releaseStart = monoMs();
  await pool(count, 64, async () => {
    const res = await releaser.post(releasePath, RUN_BODY).catch(() => ({ status: 0 }));
    if (res.status !== 200) errors++;
  });
  await Promise.race([Promise.all(done), sleep(HOLD_MS)]);
  releaser.close();
  agent.destroy();
  return {
    parkSeconds,
    parked: parkedState,
    releaseSeconds: (lastAnswerAt - releaseStart) / 1000,
    answered,
    errors,
    repolls,
  };
}
