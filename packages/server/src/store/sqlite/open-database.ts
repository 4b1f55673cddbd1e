// Opens (creating if needed) the SQLite file of a job store and sets the connection up: WAL journal,
// busy timeout, foreign keys (children of a job are deleted with it), chosen durability, current schema.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { toStoreError } from './transaction-runner.js';

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
