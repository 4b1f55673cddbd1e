// Failures of the SQLite store as SluiceErrors: a busy or closed database is ERR_UNAVAILABLE (503, retry),
// anything else ERR_INTERNAL, with the driver's error kept as `cause`.
import Database from 'better-sqlite3';
import { SluiceError, isSluiceError } from '@sluice/protocol';

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
  if (busy || closed) return new SluiceError('ERR_UNAVAILABLE', { cause: error });
  return new SluiceError('ERR_INTERNAL', { cause: error });
}

/** Settles with `fn`'s result, or rejects with its failure translated by toStoreError. */
export function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}
