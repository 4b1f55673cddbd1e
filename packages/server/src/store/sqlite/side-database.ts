// A second connection on the store's SQLite file for history and logs: their own tables, created if missing,
// outside the job store's migrations, so that contract and these can change apart. better-sqlite3 runs each
// transaction synchronously, so connections of one process never wait on each other.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { toStoreError } from './store-error.js';

const BUSY_TIMEOUT_MS = 5000;

/** Opens `path` (':memory:' for a private database) and runs `schema` (idempotent DDL). */
export function openSideDatabase(path: string, schema: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(schema);
    return db;
  } catch (error) {
    if (db?.open === true) db.close();
    throw toStoreError(error);
  }
}
