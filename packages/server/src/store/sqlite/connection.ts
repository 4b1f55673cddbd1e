// The store's connection boundary: opening and configuring the SQLite file (WAL, busy timeout, foreign keys,
// durability, schema), running each operation as one transaction, and turning failures into SluiceErrors.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ERROR_TEXT, SluiceError, isSluiceError } from '@sluice/protocol';
import { migrate } from './migrations.js';

/** SQLite result codes meaning "try again later" rather than "something is broken". */
const UNAVAILABLE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT']);

/**
 * A SluiceError for anything a store method threw: Sluice errors pass through; a busy or closed database is
 * ERR_UNAVAILABLE; every other driver or programming error is ERR_INTERNAL. The original rides as `cause`.
 */
export function toStoreError(error: unknown): SluiceError {
  if (isSluiceError(error)) return error;
  const busy = error instanceof Database.SqliteError && UNAVAILABLE_CODES.has(error.code);
  const closed = error instanceof TypeError && /database connection is not open/i.test(error.message);
  if (busy || closed) return new SluiceError('ERR_UNAVAILABLE', ERROR_TEXT.unavailable, { cause: error });
  return new SluiceError('ERR_INTERNAL', ERROR_TEXT.internal, { cause: error });
}

/** Settles with `fn`'s result, or rejects with its failure translated by toStoreError. */
export function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}

export class TransactionRunner {
  /** One cached transaction wrapper; better-sqlite3 commits when `fn` returns and rolls back when it throws. */
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(db: Database.Database) {
    this.tx = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * A transaction that writes: BEGIN IMMEDIATE takes the write lock up front, so a second process on the same
   * file waits on busy_timeout instead of failing when a deferred read lock cannot be upgraded.
   */
  write<T>(fn: () => T): Promise<T> {
    return attempt(() => this.tx.immediate(fn) as T);
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
    throw toStoreError(error);
  }
}
