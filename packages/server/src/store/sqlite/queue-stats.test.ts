// What only the SQLite store has behind queueStats: its trigger-kept counter, its partial index, and the
// migration that fills both for jobs written before them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueStats } from '../job-store.js';
import { EP, OTHER_EP, T0, W1, newJob } from '../testing/conformance-support.js';
import { SQL } from './statements.js';
import { openSqliteJobStore, type SqliteJobStore } from './sqlite-job-store.js';

describe('SqliteJobStore queueStats', () => {
  const opened: SqliteJobStore[] = [];
  const dirs: string[] = [];
  const dbPath = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-queue-stats-'));
    dirs.push(dir);
    return join(dir, 'sluice.db');
  };
  const open = (path: string): SqliteJobStore => {
    const store = openSqliteJobStore({ path });
    opened.push(store);
    return store;
  };

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the oldest normal job through its partial index and the count from the counter table', () => {
    const path = dbPath();
    open(path);
    const db = new Database(path, { readonly: true });
    try {
      const plan = (sql: string) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('ep') as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan(SQL.oldestQueuedNormal)).toMatch(/USING (COVERING )?INDEX jobs_queued_normal/);
      expect(plan(SQL.oldestQueuedNormal)).not.toMatch(/\bSCAN\b/);
      expect(plan(SQL.countQueuedNormal)).not.toMatch(/\bSCAN\b/);
    } finally {
      db.close();
    }
  });

  it('keeps the normal-queue counter equal to a real count through any sequence of operations', async () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.boolean());
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), async (ops) => {
        const path = dbPath();
        const store = open(path);
        let now = T0;
        for (const [kind, n, flag] of ops) {
          now += 10_000;
          const endpointId = n === 4 ? OTHER_EP : EP;
          if (kind <= 1) {
            await store.enqueue(newJob({ endpointId, createdAt: now, ttl: 100_000 + n * 10_000, lowPriority: flag }));
          } else if (kind === 2) await store.claim(endpointId, W1, n, now);
          else if (kind === 3) await store.reclaim(endpointId, W1, 'all', n % 2, 'worker lost', now);
          else if (kind === 4) await store.unclaim(endpointId, W1, idsIn(path, endpointId, 'IN_PROGRESS').slice(0, n));
          else if (kind === 5) await store.expire(now + n * 1_000_000);
          else if (kind === 6) {
            for (const id of idsIn(path, endpointId, 'IN_PROGRESS')) {
              await store.finish(endpointId, W1, id, { status: 'FAILED', error: 'x' }, now);
            }
          } else for (const id of idsIn(path, endpointId, 'FAILED')) await store.retry(endpointId, id, now);
        }
        for (const endpointId of [EP, OTHER_EP])
          expect(await store.queueStats(endpointId)).toEqual(real(path, endpointId));
      }),
      { numRuns: 25 },
    );
  });

  it('fills the counter for jobs queued before the migration that added it', async () => {
    const path = dbPath();
    const first = open(path);
    await first.enqueue(newJob({ createdAt: T0 }));
    await first.enqueue(newJob({ createdAt: T0 + 1, lowPriority: true }));
    await first.enqueue(newJob({ createdAt: T0 + 2 }));
    await first.close();
    // Back to version 1, as a database written by an older Sluice would be.
    const db = new Database(path);
    db.exec(`DROP TRIGGER jobs_normal_queued_on_insert; DROP TRIGGER jobs_normal_queued_on_delete;
      DROP TRIGGER jobs_normal_queued_on_update; DROP INDEX jobs_queued_normal; DROP TABLE normal_queue_counts;
      DROP TABLE stream_state; DROP TABLE lease_pings;`);
    db.pragma('user_version = 1');
    db.close();
    const second = open(path);
    expect(await second.queueStats(EP)).toEqual({ queued: 3, queuedNormal: 2, oldestNormalQueuedAt: T0 });
  });
});

function idsIn(path: string, endpointId: string, status: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare<[string, string], string>('SELECT id FROM jobs WHERE endpoint_id = ? AND status = ? ORDER BY pk')
      .pluck()
      .all(endpointId, status);
  } finally {
    db.close();
  }
}

/** QueueStats computed by scanning the jobs table, bypassing the counter and the index. */
function real(path: string, endpointId: string): QueueStats {
  const db = new Database(path, { readonly: true });
  try {
    const row = db
      .prepare<[string], { queued: number; normal: number; oldest: number | null }>(
        `SELECT count(*) AS queued, coalesce(sum(low_priority = 0), 0) AS normal,
           min(CASE WHEN low_priority = 0 THEN queued_at END) AS oldest
         FROM jobs NOT INDEXED WHERE endpoint_id = ? AND status = 'IN_QUEUE'`,
      )
      .get(endpointId)!;
    return {
      queued: row.queued,
      queuedNormal: row.normal,
      ...(row.oldest === null ? {} : { oldestNormalQueuedAt: row.oldest }),
    };
  } finally {
    db.close();
  }
}
