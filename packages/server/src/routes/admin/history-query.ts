// Reads the query of `GET /admin/endpoints/{id}/jobs` into a HistoryQuery, refusing bad values with 400
// (ERR_REQUEST_INVALID_FIELD) and a message naming the parameter.
import { JobStatus, SluiceError } from '@sluice/protocol';
import type { HistoryQuery } from '../../store/job-history.js';

export const HISTORY_LIMIT_DEFAULT = 50;
export const HISTORY_LIMIT_MAX = 500;

const STATUSES = Object.values(JobStatus) as string[];

function invalid(message: string): SluiceError {
  return new SluiceError('ERR_REQUEST_INVALID_FIELD', message);
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} may be given once`);
  return value;
}

function epochMs(query: Record<string, unknown>, name: string): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw invalid(`${name} must be a time in epoch milliseconds`);
  return Number(text);
}

export function parseHistoryQuery(query: Record<string, unknown>): HistoryQuery {
  const result: HistoryQuery = { limit: HISTORY_LIMIT_DEFAULT };
  const status = single(query, 'status');
  if (status !== undefined) {
    const statuses = status.split(',').map((s) => s.trim().toUpperCase());
    const unknown = statuses.find((s) => !STATUSES.includes(s));
    if (unknown !== undefined) throw invalid(`status must be one or more of ${STATUSES.join(', ')}; got "${unknown}"`);
    result.statuses = statuses as JobStatus[];
  }
  const since = epochMs(query, 'since');
  const until = epochMs(query, 'until');
  if (since !== undefined) result.since = since;
  if (until !== undefined) result.until = until;
  if (since !== undefined && until !== undefined && since >= until) throw invalid('since must be before until');
  const limit = single(query, 'limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > HISTORY_LIMIT_MAX) {
      throw invalid(`limit must be an integer from 1 to ${HISTORY_LIMIT_MAX}`);
    }
    result.limit = Number(limit);
  }
  const cursor = single(query, 'cursor');
  if (cursor !== undefined && cursor !== '') result.cursor = cursor;
  return result;
}
