// The store's connection boundary: opening and configuring the SQLite file (WAL, busy timeout, foreign keys,
// durability, schema) and running each operation as one transaction (writes grouped per event-loop turn).
import { mkdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SluiceError, isSluiceError } from '@sluice/protocol';
import { attempt, toStoreError } from './store-error.js';
import { GroupCommit } from './group-commit.js';
import { migrate } from './migrations.js';

export class TransactionRunner {
  /** One cached transaction wrapper; better-sqlite3 commits when `fn` returns and rolls back when it throws. */
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly writes: GroupCommit<() => unknown, unknown>;

  constructor(db: Database.Database) {
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.writes = new GroupCommit(db, (fn) => fn());
  }

  /**
   * A transaction that writes: BEGIN IMMEDIATE takes the write lock up front, so a second process on the same
   * file waits on busy_timeout instead of failing when a deferred read lock cannot be upgraded.
   */
  write<T>(fn: () => T): Promise<T> {
    return attempt(() => this.tx.immediate(fn) as T);
  }

  /**
   * A write on the request path, where many arrive at once (submissions, claims, worker posts, and stream reads,
   * which move the consume-once cursor): it runs in its own savepoint of the turn's group commit
   * (group-commit.ts), so concurrent requests share one COMMIT, the costliest part of a small write. Settles
   * after that commit. Timer-driven maintenance keeps `write`: it comes one at a time, and committing at once
   * keeps its effects visible as soon as its promise settles.
   */
  writeGrouped<T>(fn: () => T): Promise<T> {
    return this.writes.submit(fn) as Promise<T>;
  }

  /** Commits the writes still waiting for their turn; called before the connection closes. */
  drain(): void {
    this.writes.drain();
  }

  /** A read-only transaction: one consistent snapshot, no write lock. */
  read<T>(fn: () => T): Promise<T> {
    return attempt(() => this.tx.deferred(fn) as T);
  }
}

export interface SqliteJobStoreOptions {
  /** A file path (its directory is created if missing) or ':memory:'. */
  path: string;
  /** NORMAL (default) survives a process crash; FULL also survives a power loss, at a cost per commit. */
  synchronous?: 'NORMAL' | 'FULL';
}

/** How long a write waits for another connection's transaction before failing with ERR_UNAVAILABLE. */
const BUSY_TIMEOUT_MS = 5000;

/** A configured, migrated connection; failures are SluiceErrors and leave no connection open. */
export function openDatabase(options: SqliteJobStoreOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (options.path !== ':memory:' && options.path !== '') mkdirSync(dirname(options.path), { recursive: true });
    db = new Database(options.path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    if (db?.open === true) db.close();
    if (isSluiceError(error)) throw error;
    // The operator's fix is on the machine (a path, a permission, a mount): name both in one line.
    const reason = error instanceof Error ? error.message : String(error);
    throw new SluiceError('ERR_UNAVAILABLE', `cannot open SQLite database at ${options.path}: ${reason}`, {
      cause: error,
    });
  }
}

/** Below this much free space a write that grows the file can fail at any moment: the store is not ready. */
export const MIN_FREE_BYTES = 1024 * 1024;

/** Rejects with ERR_UNAVAILABLE when the file system holding `path` has under MIN_FREE_BYTES left. */
export async function checkFreeSpace(path: string): Promise<void> {
  if (path === ':memory:' || path === '') return;
  const fs = await statfs(dirname(path)).catch((error: unknown) => {
    throw toStoreError(error);
  });
  const free = fs.bavail * fs.bsize;
  if (free < MIN_FREE_BYTES) {
    throw new SluiceError('ERR_UNAVAILABLE', `disk full: ${free} bytes free where the SQLite database lives`);
  }
}
