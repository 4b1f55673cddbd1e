// The live view behind `run --wait`, `status --follow` and `stream` on a terminal, over server-sent events
// (spec §9.1), not polling: `status-sync` sends every change and progress update of the job, `stream` each stream
// item as it is appended. Both are read at once; a hold that ends before the job does is opened again.
import type { Json, StatusObject } from '@sluice/client';
import { readEventStream, type EventStreamRequest } from './event-stream-reader.js';
import { formatStreamItem } from './output.js';
import { formatProgress } from './progress-bar.js';

export interface WatchOptions {
  /** Server base URL. */
  url: string;
  apiKey?: string;
  endpointId: string;
  jobId: string;
  /** Read the job's stream and print its items. Items are consumed on the server (consume-once, spec §4.5). */
  stream: boolean;
  write: (text: string) => void;
  /** Status already shown, so only what changed after it is printed. */
  shown?: StatusObject;
  fetch?: EventStreamRequest['fetch'];
}

export interface WatchResult {
  final: StatusObject;
  /** Stream items printed while watching. */
  streamed: number;
}

/** status-sync holds this long per request (its maximum); the watch reconnects after each. */
const HOLD_MS = 300_000;

/** The line for a status seen while watching, or undefined when nothing people care about changed. */
export function describeUpdate(previous: StatusObject | undefined, current: StatusObject): string | undefined {
  const lines: string[] = [];
  if (previous?.status !== current.status) {
    const on = current.workerId === undefined ? '' : ` on ${current.workerId}`;
    lines.push(`${current.status}${current.status === 'IN_PROGRESS' ? on : ''}`);
  }
  const progress = current.status === 'IN_PROGRESS' && 'output' in current ? JSON.stringify(current.output) : undefined;
  const before =
    previous?.status === 'IN_PROGRESS' && 'output' in previous ? JSON.stringify(previous.output) : undefined;
  if (progress !== undefined && progress !== before) lines.push(formatProgress(current.output));
  return lines.length === 0 ? undefined : `${lines.map((line) => `[${current.id}] ${line}`).join('\n')}\n`;
}

function request(options: WatchOptions, route: string, query = ''): EventStreamRequest {
  const base = options.url.replace(/\/*$/, '/');
  const path = `v2/${encodeURIComponent(options.endpointId)}/${route}/${encodeURIComponent(options.jobId)}${query}`;
  return {
    url: new URL(path, base),
    ...(options.apiKey ? { key: options.apiKey } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}

/** Prints each change until the `done` event; returns the terminal status object. */
async function followStatus(options: WatchOptions): Promise<StatusObject> {
  let shown = options.shown;
  for (;;) {
    for await (const event of readEventStream(request(options, 'status-sync', `?wait=${HOLD_MS}`))) {
      const status = JSON.parse(event.data) as StatusObject;
      if (event.event === 'done') return status;
      const line = describeUpdate(shown, status);
      if (line !== undefined) options.write(line);
      shown = status;
    }
  }
}

/** Prints each stream item until the `done` event; returns how many there were. */
async function followStream(options: WatchOptions): Promise<number> {
  let count = 0;
  for (;;) {
    for await (const event of readEventStream(request(options, 'stream'))) {
      if (event.event === 'done') return count;
      if (event.event === 'stream') {
        options.write(formatStreamItem(JSON.parse(event.data) as Json));
        count += 1;
      }
    }
  }
}

/** Resolves once the job has ended, with its terminal status and how many stream items were printed. */
export async function watchJob(options: WatchOptions): Promise<WatchResult> {
  const [final, streamed] = await Promise.all([
    followStatus(options),
    options.stream ? followStream(options) : Promise.resolve(0),
  ]);
  return { final, streamed };
}

/**
 * The final status to print after a watch: a generator endpoint without an aggregate result ends with
 * `"output": []`, which says nothing once its stream was printed; that output is left out.
 */
export function withoutEmptyAggregate(final: StatusObject, streamed: number): StatusObject {
  if (streamed === 0 || !Array.isArray(final.output) || final.output.length > 0) return final;
  const { output: _output, ...rest } = final;
  return rest;
}
