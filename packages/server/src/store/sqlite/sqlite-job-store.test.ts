// Runs the store conformance suite against SQLite (a temp file and ':memory:'), then checks what only
// SQLite has: durability across reopen, two connections on one file, migrations, index use, and the
// trigger-maintained job_counts table against a real count after random operations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobCounts } from '../job-store.js';
import { describeSluiceStoreConformance } from '../testing/conformance.js';
import { EP, OTHER_EP, T0, W1, drainQueue, enqueueMany, newJob } from '../testing/conformance-support.js';
import type { WorkerRegistry } from '../worker-registry.js';
import { SCHEMA_VERSION } from './migrations.js';
import { prepareLeaseStatements } from './lease-evidence.js';
import { SQL, prepareStatements } from './statements.js';
import { openSqliteJobStore, type SqliteJobStore } from './sqlite-job-store.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sluice-sqlite-'));
}

describeSluiceStoreConformance('SqliteJobStore (temp file)', () => {
  const dir = tempDir();
  const store = openSqliteJobStore({ path: join(dir, 'nested', 'sluice.db') });
  return Promise.resolve({
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});

describeSluiceStoreConformance('SqliteJobStore (:memory:)', () => {
  const store = openSqliteJobStore({ path: ':memory:' });
  return Promise.resolve({ store, cleanup: () => store.close() });
});

describe('SqliteJobStore on disk', () => {
  const opened: SqliteJobStore[] = [];
  const dirs: string[] = [];
  const open = (path: string, synchronous?: 'NORMAL' | 'FULL'): SqliteJobStore => {
    const store = openSqliteJobStore({ path, synchronous });
    opened.push(store);
    return store;
  };
  const dbPath = (): string => {
    const dir = tempDir();
    dirs.push(dir);
    return join(dir, 'sluice.db');
  };

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('offers no shared fleet: its one server is the whole fleet and scales on its own (docs/scaling.md)', () => {
    const store: WorkerRegistry = open(dbPath());
    expect(store.fleet).toBeUndefined();
  });

  it('keeps jobs and their queue order across close and reopen', async () => {
    const path = dbPath();
    const first = open(path, 'FULL');
    const jobs = await enqueueMany(first, 4, { webhook: 'https://hooks.test/x' });
    const [a, b] = await first.claim(EP, W1, 2, T0 + 100);
    await first.unclaim(EP, W1, [a!.id]);
    await first.reclaim(EP, W1, [b!.id], 1, 'worker lost', T0 + 200);
    await first.appendStream(EP, 'nobody', jobs[3]!.id, { output: 'ignored' });
    const [c] = await first.claim(EP, W1, 1, T0 + 300);
    await first.appendStream(EP, W1, c!.id, { output: 'kept' });
    await first.finish(EP, W1, c!.id, { status: 'COMPLETED', output: null, streaming: true }, T0 + 400);
    await first.close();

    const second = open(path);
    expect(await second.get(EP, c!.id)).toMatchObject({ status: 'COMPLETED', output: null, streaming: true });
    expect((await second.readStream(EP, c!.id, 10))?.items).toEqual([{ output: 'kept' }]);
    expect(await second.takeDueWebhooks(T0 + 400, 10, 1000)).toHaveLength(1);
    // b was reclaimed to the head, then claimed as c; a (unclaimed) follows, then the tail.
    expect(c!.id).toBe(b!.id);
    expect(await drainQueue(second)).toEqual([a!.id, jobs[2]!.id, jobs[3]!.id]);
    // Tail positions keep growing after a reopen.
    const { job: late } = await second.enqueue(newJob());
    await second.unclaim(EP, 'drain-worker', [jobs[3]!.id]);
    expect(await drainQueue(second)).toEqual([jobs[3]!.id, late.id]);
  });

  it('shares one file between two connections, each write one transaction', async () => {
    const path = dbPath();
    const producer = open(path);
    const consumer = open(path);
    const jobs = await enqueueMany(producer, 3);
    const claimed = await Promise.all([consumer.claim(EP, 'w-a', 2, T0), producer.claim(EP, 'w-b', 2, T0)]);
    const ids = claimed.flat().map((j) => j.id);
    expect(ids.sort()).toEqual(jobs.map((j) => j.id).sort());
    expect((await producer.counts(EP)).inProgress).toBe(3);
  });

  it('creates the schema at the current user_version, in WAL mode with foreign keys', () => {
    const path = dbPath();
    open(path);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema with ERR_INTERNAL', () => {
    const path = dbPath();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => open(path)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });

  it('reaches hot rows through indexes, never a scan of a whole table', () => {
    const path = dbPath();
    open(path);
    const db = new Database(path, { readonly: true });
    try {
      const hot = [
        SQL.headSeq,
        SQL.countQueued,
        SQL.queueHead,
        SQL.leased,
        SQL.runDeadlinePassed,
        SQL.liveDeadlinePassed,
        SQL.deleteDueJobs,
        SQL.counts,
        SQL.job,
        SQL.worker,
        SQL.stopsFor,
        SQL.dueWebhooks,
        SQL.deleteExpiredKeys,
      ];
      for (const sql of hot) {
        const args = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 1);
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[];
        expect(plan.map((row) => row.detail).join(' | '), sql).not.toMatch(/\bSCAN (?!\(subquery)/);
      }
    } finally {
      db.close();
    }
  });

  it('keeps no index that none of its statements uses (each costs a B-tree write per insert)', () => {
    const path = dbPath();
    open(path);
    const db = new Database(path, { readonly: true });
    try {
      const statements = [...Object.values(prepareStatements(db)), ...Object.values(prepareLeaseStatements(db))];
      const used = new Set<string>();
      for (const { source } of statements) {
        const named = [...new Set([...source.matchAll(/@(\w+)/g)].map((m) => m[1] as string))];
        const explain = db.prepare(`EXPLAIN QUERY PLAN ${source}`);
        const plan = (
          named.length > 0
            ? explain.all(Object.fromEntries(named.map((name) => [name, 1])))
            : explain.all(...Array.from({ length: (source.match(/\?/g) ?? []).length }, () => 1))
        ) as { detail: string }[];
        for (const { detail } of plan) {
          const index = /USING (?:COVERING )?INDEX (\w+)/.exec(detail)?.[1];
          if (index !== undefined) used.add(index);
        }
      }
      const declared = db
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'`)
        .pluck()
        .all() as string[];
      expect(declared.length).toBeGreaterThan(5);
      expect(declared.filter((name) => !used.has(name))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('keeps job_counts equal to a real count through any sequence of operations', async () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.boolean());
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), async (ops) => {
        const path = dbPath();
        const store = open(path);
        let now = T0;
        for (const [kind, n, flag] of ops) {
          now += 10_000;
          const endpointId = n === 4 ? OTHER_EP : EP;
          if (kind <= 1) await store.enqueue(newJob({ endpointId, createdAt: now, ttl: 100_000 + n * 10_000 }));
          else if (kind === 2) await store.claim(endpointId, W1, n, now);
          else if (kind === 3) await store.reclaim(endpointId, W1, 'all', n % 2, 'worker lost', now);
          else if (kind === 4) await store.purgeQueue(endpointId, now, 3);
          else if (kind === 5) await store.expire(now + n * 1_000_000);
          else {
            for (const id of drainIds(path, endpointId, kind === 6 ? 'FAILED' : 'IN_PROGRESS')) {
              if (kind === 6) await store.retry(endpointId, id, now);
              else await store.finish(endpointId, W1, id, { status: flag ? 'COMPLETED' : 'FAILED', error: 'x' }, now);
            }
          }
        }
        for (const endpointId of [EP, OTHER_EP])
          expect(await store.counts(endpointId)).toEqual(realCounts(path, endpointId));
      }),
      { numRuns: 30 },
    );
  });
});

/** Ids of the endpoint's jobs in `status`, read straight from the file. */
function drainIds(path: string, endpointId: string, status: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare<[string, string], string>('SELECT id FROM jobs WHERE endpoint_id = ? AND status = ?')
      .pluck()
      .all(endpointId, status);
  } finally {
    db.close();
  }
}

/** JobCounts computed by scanning the jobs table, bypassing job_counts. */
function realCounts(path: string, endpointId: string): JobCounts {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare<[string], { status: string; n: number; retried: number }>(
        'SELECT status, count(*) AS n, sum(retries >= 1) AS retried FROM jobs WHERE endpoint_id = ? GROUP BY status',
      )
      .all(endpointId);
    const n = (...statuses: string[]): number =>
      rows.filter((r) => statuses.includes(r.status)).reduce((sum, r) => sum + r.n, 0);
    return {
      inQueue: n('IN_QUEUE'),
      inProgress: n('IN_PROGRESS'),
      completed: n('COMPLETED'),
      failed: n('FAILED', 'TIMED_OUT'),
      retried: rows.reduce((sum, r) => sum + r.retried, 0),
    };
  } finally {
    db.close();
  }
}
