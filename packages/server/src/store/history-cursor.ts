// The opaque cursor of history pages: the (createdAt, id) position of the last job listed. Both stores use it,
// so a cursor is a position in the index order rather than an offset, and stays valid while jobs are added.
import { SluiceError } from '@sluice/protocol';

export interface HistoryPosition {
  createdAt: number;
  id: string;
}

export function encodeCursor(position: HistoryPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

/** Throws ERR_REQUEST_INVALID_FIELD for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): HistoryPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [createdAt, id] = value as unknown[];
      if (Number.isSafeInteger(createdAt) && typeof id === 'string' && id.length > 0) {
        return { createdAt: createdAt as number, id };
      }
    }
  } catch {
    // reported below
  }
  throw new SluiceError('ERR_REQUEST_INVALID_FIELD', 'cursor is not one this server handed out');
}

/** Newest first: a later createdAt, then a greater id, comes first. */
export function compareNewestFirst(a: HistoryPosition, b: HistoryPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
