// Scenario: job history listing at scale. One page of FAILED jobs (limit 50, newest first, and a page deep in
// the list through its cursor) among a large history, against the same among 1,000 jobs: the listing walks an
// index per status, so the ratio should stay near 1 whatever the size. Both stores; rows are filled in bulk
// (the list path is what is measured, not the writes), and the two sizes are read alternately.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../lib/sluice-server.js';
import { deleteKeys, sluiceKeyPrefix, redisReachable } from '../lib/redis.js';
import { row, skipped } from '../lib/report.js';

export const title = 'history: one page of FAILED jobs among many (index, not scan)';

const EP = 'bench';
const T0 = 1_700_000_000_000;
const PAGE = 50;
const READS = 200;
/** One job in ten failed. */
const statusOf = (i) => (i % 10 === 0 ? 'FAILED' : 'COMPLETED');
const record = (i) =>
  JSON.stringify({ id: `job-${i}`, endpointId: EP, status: statusOf(i), createdAt: T0 + i, retries: 0, error: 'x' });

async function dist(name) {
  return import(`../../packages/server/dist/store/${name}`);
}

const medianOf = (times) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)];

async function timed(read) {
  const t = process.hrtime.bigint();
  await read();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Median ms of each of `reads` over READS rounds after a warm-up, the reads alternating within each round: the
 * 1,000-job and the large store are read back to back, so load from other work weighs on both alike.
 */
async function alternating(reads) {
  for (let i = 0; i < 20; i++) for (const read of reads) await read();
  const times = reads.map(() => []);
  for (let i = 0; i < READS; i++) {
    // Which one goes first alternates too: neither always reads right after the other warmed a cache.
    const order = i % 2 === 0 ? reads.map((_, k) => k) : reads.map((_, k) => k).reverse();
    for (const k of order) times[k].push(await timed(reads[k]));
  }
  return times.map(medianOf);
}

/** A position half-way down the FAILED jobs: the cursor of the job just above it. */
async function midCursor(size) {
  const { encodeCursor } = await dist('history-cursor.js');
  const mid = Math.floor(size / 2 / 10) * 10;
  return encodeCursor({ createdAt: T0 + mid, id: `job-${mid}` });
}

/** First page, and a page past half of the FAILED jobs through a cursor, of both stores, read alternately. */
async function measure(small, big) {
  const first = (h) => () => h.history.list(EP, { statuses: ['FAILED'], limit: PAGE });
  const deep = (h, cursor) => () => h.history.list(EP, { statuses: ['FAILED'], limit: PAGE, cursor });
  const cursors = [await midCursor(small.size), await midCursor(big.size)];
  for (const [h, cursor] of [
    [small, cursors[0]],
    [big, cursors[1]],
  ]) {
    const check = await deep(h, cursor)();
    if (check.jobs.length !== PAGE || check.jobs.some((j) => j.status !== 'FAILED')) {
      throw new Error(`history page among ${h.size} is wrong`);
    }
  }
  const [smallFirst, bigFirst] = await alternating([first(small), first(big)]);
  const [smallDeep, bigDeep] = await alternating([deep(small, cursors[0]), deep(big, cursors[1])]);
  return { small: { first: smallFirst, deep: smallDeep }, big: { first: bigFirst, deep: bigDeep } };
}

/** A SQLite history of `size` jobs in a temp dir. */
async function sqlite(size) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-history-'));
  const path = join(dir, 'sluice.db');
  const { openSqliteJobHistory } = await dist('sqlite/sqlite-job-history.js');
  await openSqliteJobHistory(path).close();
  const db = new Database(path);
  const insert = db.prepare(
    'INSERT INTO job_history (endpoint_id, id, created_at, status, record) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < size; i++) insert.run(EP, `job-${i}`, T0 + i, statusOf(i), record(i));
  })();
  db.close();
  const history = openSqliteJobHistory(path);
  return {
    size,
    history,
    close: async () => {
      await history.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis history of `size` jobs on its own key prefix. */
async function redis(size) {
  const prefix = `sluice-bench-${randomUUID().slice(0, 8)}`;
  const tag = `{${prefix}:${EP}}`;
  const client = new Redis(REDIS_URL);
  const { openRedisJobHistory } = await dist('redis/redis-job-history.js');
  try {
    for (let start = 0; start < size; start += 10_000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(size, start + 10_000); i++) {
        const member = `${String(T0 + i).padStart(16, '0')}:job-${i}`;
        pipeline.zadd(`${tag}:hist-st:${statusOf(i)}`, 0, member);
        pipeline.hset(`${tag}:hist:job-${i}`, 'status', statusOf(i), 'rec', record(i), 'member', member);
      }
      await pipeline.exec();
    }
  } finally {
    client.disconnect();
  }
  const history = await openRedisJobHistory({ url: REDIS_URL, prefix });
  return {
    size,
    history,
    close: async () => {
      await history.close();
      await deleteKeys(sluiceKeyPrefix(prefix));
    },
  };
}

export async function run(ctx) {
  const { large } = ctx.settings.history;
  const rows = [];
  const data = {};
  for (const [name, fill] of Object.entries({ sqlite, redis })) {
    if (name === 'redis' && !(await redisReachable())) {
      rows.push(skipped('history', `${name}: FAILED page among ${large}`, 'Redis does not answer'));
      continue;
    }
    const stores = [];
    let measured;
    try {
      stores.push(await fill(1000));
      stores.push(await fill(large));
      measured = await measure(stores[0], stores[1]);
    } finally {
      for (const store of stores) await store.close();
    }
    const { small, big } = measured;
    ctx.log(`${name}: among 1,000 jobs, page ${small.first.toFixed(3)} ms, deep page ${small.deep.toFixed(3)} ms`);
    ctx.log(`${name}: among ${large} jobs, page ${big.first.toFixed(3)} ms, deep page ${big.deep.toFixed(3)} ms`);
    data[name] = { small, big };
    for (const which of ['first', 'deep']) {
      rows.push(
        row({
          scenario: 'history',
          metric: `${name}: ${which === 'first' ? 'first' : 'mid-list (cursor)'} page of 50 FAILED among ${large} jobs`,
          value: big[which],
          unit: 'ms',
          baseline: small[which],
          baselineOf: 'same among 1,000',
          target: 'ratio < 3',
          met: big[which] / small[which] < 3,
        }),
      );
    }
  }
  return { rows, data: { large, page: PAGE, reads: READS, ...data } };
}
