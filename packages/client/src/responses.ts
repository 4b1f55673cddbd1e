// Shape checks on 200 answers, so a proxy page or a foreign server fails loudly instead of looping forever.
import { isJobStatus, isPlainObject } from '@sluice/protocol';
import type { HealthObject, PurgeQueueResponse, RunResponse, StatusObject, StreamObject } from '@sluice/protocol';
import { ClientErrorCode, SluiceClientError } from './errors.js';

function badShape(what: string, value: unknown): SluiceClientError {
  return new SluiceClientError({
    message: `expected ${what} in the 200 answer, got ${JSON.stringify(value)?.slice(0, 200)}`,
    status: 200,
    code: ClientErrorCode.BAD_RESPONSE,
    body: value,
  });
}

/** `{id, status}` with a known status: enough for `run`, `retry` and every status object. */
export function expectStatusObject(value: unknown): StatusObject {
  if (!isPlainObject(value) || typeof value['id'] !== 'string' || !isJobStatus(value['status'])) {
    throw badShape('a status object', value);
  }
  return value as unknown as StatusObject;
}

export function expectRunResponse(value: unknown): RunResponse {
  return expectStatusObject(value);
}

export function expectStreamObject(value: unknown): StreamObject {
  const status = expectStatusObject(value);
  if (!Array.isArray((status as Partial<StreamObject>).stream)) throw badShape('a stream object', value);
  return status as StreamObject;
}

export function expectHealthObject(value: unknown): HealthObject {
  if (!isPlainObject(value) || !isPlainObject(value['jobs']) || !isPlainObject(value['workers'])) {
    throw badShape('a health object', value);
  }
  return value as unknown as HealthObject;
}

export function expectPurgeQueueResponse(value: unknown): PurgeQueueResponse {
  if (!isPlainObject(value) || typeof value['removed'] !== 'number') throw badShape('a purge-queue answer', value);
  return value as unknown as PurgeQueueResponse;
}
