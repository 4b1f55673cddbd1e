// How client commands print: one compact JSON document (or JSON line) per result for scripts, or plain,
// colour-free text for people. Every function here is pure: it returns text and never writes.
import type { HealthObject, Json, PurgeQueueResponse, StatusObject } from '@sluice/client';
import { isPlainObject } from '@sluice/protocol';
import { UsageError } from './exit-codes.js';

export type OutputMode = 'json' | 'human';

/** `--json` and `--pretty` force a mode; otherwise people at a terminal get text and pipes get JSON. */
export function resolveOutputMode(flags: { json?: boolean; pretty?: boolean }, isTty: boolean): OutputMode {
  if (flags.json && flags.pretty) throw new UsageError('--json and --pretty cannot be used together');
  if (flags.json) return 'json';
  if (flags.pretty) return 'human';
  return isTty ? 'human' : 'json';
}

/** One JSON document on one line, so `jq` and line-based readers both work. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value) ?? 'null'}\n`;
}

const INLINE_LIMIT = 72;

/** A JSON value for people: strings bare, short values on one line, long ones indented below. */
function showValue(value: unknown, indent: string): string {
  if (typeof value === 'string' && !value.includes('\n')) return value;
  const compact = JSON.stringify(value) ?? 'null';
  if (compact.length <= INLINE_LIMIT) return compact;
  const pretty = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return `\n${pretty
    .split('\n')
    .map((line) => indent + line)
    .join('\n')}`;
}

/** The `error` field as people want it: a worker's runpod-python-style JSON error becomes type, message, trace. */
export function describeJobError(error: string): { summary: string; detail?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(error);
  } catch {
    return { summary: error };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { summary: error };
  const fields = parsed as Record<string, unknown>;
  const message = fields['error_message'];
  if (typeof message !== 'string') return { summary: error };
  // runpod-python spells the type `<class 'ValueError'>`; the bare name reads better.
  const rawType = typeof fields['error_type'] === 'string' ? fields['error_type'] : '';
  const type = /^<class '(.*)'>$/.exec(rawType)?.[1] ?? rawType;
  const trace = fields['error_traceback'];
  return {
    summary: type ? `${type}: ${message}` : message,
    ...(typeof trace === 'string' && trace !== '' ? { detail: trace } : {}),
  };
}

/** A status object as an aligned block of `key: value` lines. */
export function formatStatus(status: StatusObject): string {
  const rows: [string, string][] = [
    ['id', status.id],
    ['status', status.status],
  ];
  if (status.delayTime !== undefined) rows.push(['delay', `${status.delayTime} ms`]);
  if (status.executionTime !== undefined) rows.push(['execution', `${status.executionTime} ms`]);
  if (status.workerId !== undefined) rows.push(['worker', status.workerId]);
  if (status.retries !== undefined && status.retries > 0) rows.push(['retries', String(status.retries)]);
  if ('output' in status) rows.push(['output', showValue(status.output, '  ')]);
  let trace: string | undefined;
  if (status.error !== undefined) {
    const { summary, detail } = describeJobError(status.error);
    rows.push(['error', summary]);
    trace = detail;
  }
  const width = Math.max(...rows.map(([key]) => key.length)) + 1;
  // A value that starts on the next line (long output) gets no padding after its key.
  const lines = rows.map(([key, value]) =>
    value.startsWith('\n') ? `${key}:${value}` : `${`${key}:`.padEnd(width)} ${value}`.trimEnd(),
  );
  if (trace !== undefined)
    lines.push(
      ...trace
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  return `${lines.join('\n')}\n`;
}

/** A `{group: {name: count}}` line per group, in the order the server sent them. */
export function formatHealth(health: HealthObject): string {
  const lines = Object.entries(health as unknown as Record<string, unknown>).map(([group, counts]) => {
    const parts =
      typeof counts === 'object' && counts !== null
        ? Object.entries(counts).map(([name, count]) => `${name} ${String(count)}`)
        : [String(counts)];
    return `${group}: ${parts.join(', ')}`;
  });
  return `${lines.join('\n')}\n`;
}

export function formatPurge(answer: PurgeQueueResponse): string {
  const n = answer.removed;
  return `removed ${n} queued job${n === 1 ? '' : 's'}\n`;
}

/** A stream item for people: the worker's `{output: x}` shows as x (strings bare), anything else as JSON. */
export function formatStreamItem(item: Json): string {
  const isOutputOnly = isPlainObject(item) && Object.keys(item).join() === 'output';
  const value = isOutputOnly ? (item as { output: Json }).output : item;
  return `${typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null')}\n`;
}
