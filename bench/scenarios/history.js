// Scenario: job history listing at scale. One page of FAILED jobs (limit 50, newest first, and a page deep in
// the list through its cursor) among a large history, against the same among 1,000 jobs: the listing walks an
// index per status, so the ratio should stay near 1 whatever the size. Both stores; rows are filled in bulk
// (the list path is what is measured, not the writes).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { REDIS_URL } from '../lib/sluice-server.js';
import { deleteKeys, redisReachable } from '../lib/redis.js';
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

/** Median ms of `read` over READS calls, after a warm-up. */
async function median(read) {
  for (let i = 0; i < 20; i++) await read();
  const times = [];
  for (let i = 0; i < READS; i++) {
    const t = process.hrtime.bigint();
    await read();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** First page, and a page past half of the FAILED jobs through a cursor. */
async function measure(history, size) {
  const first = await median(() => history.list(EP, { statuses: ['FAILED'], limit: PAGE }));
  // A position half-way down: the cursor of the job just above it.
  const { encodeCursor } = await dist('history-cursor.js');
  const mid = Math.floor(size / 2 / 10) * 10;
  const cursor = encodeCursor({ createdAt: T0 + mid, id: `job-${mid}` });
  const deep = await median(() => history.list(EP, { statuses: ['FAILED'], limit: PAGE, cursor }));
  const check = await history.list(EP, { statuses: ['FAILED'], limit: PAGE, cursor });
  if (check.jobs.length !== PAGE || check.jobs.some((j) => j.status !== 'FAILED')) {
    throw new Error(`history page among ${size} is wrong`);
  }
  return { first, deep };
}

async function sqlite(size) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-history-'));
  const path = join(dir, 'sluice.db');
  const { openSqliteJobHistory } = await dist('sqlite/sqlite-job-history.js');
  try {
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
    try {
      return await measure(history, size);
    } finally {
      await history.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
    const history = await openRedisJobHistory({ url: REDIS_URL, prefix });
    try {
      return await measure(history, size);
    } finally {
      await history.close();
    }
  } finally {
    client.disconnect();
    await deleteKeys(`{${prefix}`);
  }
}

export async function run(ctx) {
  const { large } = ctx.settings.history;
  const rows = [];
  const data = {};
  const stores = { sqlite, redis };
  for (const [name, fill] of Object.entries(stores)) {
    if (name === 'redis' && !(await redisReachable())) {
      rows.push(skipped('history', `${name}: FAILED page among ${large}`, 'Redis does not answer'));
      continue;
    }
    const small = await fill(1000);
    ctx.log(`${name}: among 1,000 jobs, page ${small.first.toFixed(3)} ms, deep page ${small.deep.toFixed(3)} ms`);
    const big = await fill(large);
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
