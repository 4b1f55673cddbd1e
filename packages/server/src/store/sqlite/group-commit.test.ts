// Group commit on a real SQLite file: what each caller sees (its own result or error, only after the commit),
// savepoint isolation of a failing item, a batch refused as a whole when the write lock is taken, and that a
// turn's writes really share one transaction (the WAL grows by one commit, not one per item).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '@sluice/protocol';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  let dir: string;
  let db: Database.Database;
  let other: Database.Database;

  const open = (): Database.Database => {
    const conn = new Database(join(dir, 'g.db'));
    conn.pragma('journal_mode = WAL');
    conn.pragma('busy_timeout = 0');
    return conn;
  };
  const rows = (): number[] =>
    other
      .prepare<[], { v: number }>('SELECT v FROM t ORDER BY rowid')
      .all()
      .map((r) => r.v);
  const insert = (conn: Database.Database) => {
    const stmt = conn.prepare('INSERT INTO t (v) VALUES (?)');
    return (v: number): number => {
      stmt.run(v);
      if (v < 0) throw new Error(`refused ${v}`);
      return v * 10;
    };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-group-'));
    db = open();
    db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
    other = open();
  });
  afterEach(() => {
    db.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every caller with its own result, in order, only once the batch is committed', async () => {
    const group = new GroupCommit(db, insert(db));
    const answers = [1, 2, 3].map((v) => group.submit(v));
    expect(rows()).toEqual([]);
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30]);
    expect(rows()).toEqual([1, 2, 3]);
  });

  it('rolls back and rejects only the item that threw; the rest of its batch commits', async () => {
    const group = new GroupCommit(db, insert(db));
    const results = await Promise.allSettled([group.submit(1), group.submit(-2), group.submit(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const failure = (results[1] as PromiseRejectedResult).reason as unknown;
    expect(isSluiceError(failure) && failure.code).toBe('ERR_INTERNAL');
    expect(rows()).toEqual([1, 3]);
  });

  it('rejects the whole batch with ERR_UNAVAILABLE when the write lock is held, writing none of it', async () => {
    const group = new GroupCommit(db, insert(db));
    other.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([group.submit(1), group.submit(2)]);
    other.exec('COMMIT');
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as unknown;
      expect(isSluiceError(reason) && reason.code).toBe('ERR_UNAVAILABLE');
    }
    expect(rows()).toEqual([]);
    await expect(group.submit(4)).resolves.toBe(40);
  });

  it('splits a turn larger than maxBatch into several commits, keeping order', async () => {
    const group = new GroupCommit(db, insert(db), 4);
    const values = Array.from({ length: 10 }, (_, i) => i + 1);
    await expect(Promise.all(values.map((v) => group.submit(v)))).resolves.toEqual(values.map((v) => v * 10));
    expect(rows()).toEqual(values);
  });

  it('drain commits what is pending at once (the store drains before closing)', async () => {
    const group = new GroupCommit(db, insert(db));
    const answer = group.submit(7);
    group.drain();
    expect(rows()).toEqual([7]);
    await expect(answer).resolves.toBe(70);
  });

  it('commits one turn of writes as one transaction: the WAL grows by one commit, not one per item', async () => {
    const wal = (): number => statSync(join(dir, 'g.db-wal')).size;
    const group = new GroupCommit(db, insert(db));
    const base = wal();
    await Promise.all(Array.from({ length: 50 }, (_, i) => group.submit(i)));
    const batched = wal() - base;
    for (let i = 0; i < 50; i++) await group.submit(i);
    const oneByOne = wal() - base - batched;
    expect(batched).toBeGreaterThan(0);
    expect(oneByOne).toBeGreaterThanOrEqual(batched * 10);
  });
});
