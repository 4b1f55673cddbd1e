// What history keeps of a job's bodies: each under HISTORY_BODY_MAX_BYTES is kept as JSON text, a larger one
// only as its size. Shared by the stores so both keep exactly the same.
import type { Json } from '@sluice/protocol';
import { HISTORY_BODY_MAX_BYTES, type HistoryJob } from './job-history.js';
import type { JobRecord } from './job-record.js';

export interface KeptBody {
  /** JSON text, or undefined when there is no body or it is too large. */
  text?: string;
  /** Size of a body too large to keep. */
  droppedBytes?: number;
}

export function keepBody(value: Json | undefined): KeptBody {
  if (value === undefined) return {};
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > HISTORY_BODY_MAX_BYTES ? { droppedBytes: bytes } : { text };
}

/** The record without its bodies, as JSON text. */
export function historyJobText(job: JobRecord): string {
  const { input: _input, output: _output, ...rest } = job;
  return JSON.stringify(rest satisfies HistoryJob);
}
