// The operator commands of `sluice` over the admin API (/admin/..., docs/scaling.md): `endpoints`, `workers`,
// `scale` and `reload`. They print JSON for scripts or aligned text for people, like the client commands.
import { ClientErrorCode, SluiceClientError } from '@sluice/client';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { EndpointSummary, WorkerSummary, WorkersSummary } from '../fleet/fleet-views.js';
import type { ReloadReport } from '../config/config-reload.js';
import { DEFAULT_URL } from './client-session.js';
import { UsageError } from './exit-codes.js';
import { jsonLine, resolveOutputMode } from './output.js';

export interface AdminFlags {
  url: string;
  adminKey?: string;
  json?: boolean;
  pretty?: boolean;
}

interface ScaleFlags extends AdminFlags {
  min?: number;
  max?: number;
  idleTimeout?: number;
  scalerType?: string;
  scalerValue?: number;
}

export function addAdminOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <base>', 'server base URL').env('SLUICE_URL').default(DEFAULT_URL))
    .addOption(new Option('--admin-key <key>', 'admin API key, sent as a Bearer token').env('SLUICE_ADMIN_KEY'))
    .option('--json', 'print JSON (default when stdout is not a terminal)')
    .option('--pretty', 'print text for people (default when stdout is a terminal)');
}

function wholeNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

/** One admin API call; any answer but 200 becomes a SluiceClientError carrying the server's message. */
export async function call<T>(flags: AdminFlags, method: string, path: string, body?: unknown): Promise<T> {
  let url: URL;
  try {
    url = new URL(path, flags.url.replace(/\/*$/, '/'));
  } catch {
    throw new UsageError(`--url is not a valid URL: ${flags.url}`);
  }
  const headers: Record<string, string> = {};
  if (flags.adminKey) headers['authorization'] = `Bearer ${flags.adminKey}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (cause) {
    throw new SluiceClientError({
      message: `cannot reach ${url.origin}`,
      status: 0,
      code: ClientErrorCode.NETWORK,
      cause,
    });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  if (res.status !== 200) {
    const answer = (typeof json === 'object' && json !== null ? json : {}) as { error?: string; code?: string };
    throw new SluiceClientError({
      message: answer.error ?? `${method} ${path} answered ${res.status}`,
      status: res.status,
      code: answer.code ?? ClientErrorCode.HTTP,
      body: json,
    });
  }
  return json as T;
}

export function print<T>(flags: AdminFlags, value: T, human: (value: T) => string): void {
  const mode = resolveOutputMode(flags, process.stdout.isTTY === true);
  process.stdout.write(mode === 'json' ? jsonLine(value) : human(value));
}

/** Rows of cells as left-aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function ago(at: number | undefined, now = Date.now()): string {
  if (at === undefined) return '-';
  const s = Math.max(0, Math.round((now - at) / 1000));
  return s < 120 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

export function formatEndpoints({ endpoints }: { endpoints: EndpointSummary[] }): string {
  if (endpoints.length === 0) return 'no endpoints\n';
  const rows = [
    [
      'ENDPOINT',
      'SCALER',
      'MIN-MAX',
      'STATE',
      'TARGET',
      'START/IDLE/RUN/DRAIN',
      'THROTTLED',
      'UNHEALTHY',
      'QUEUED',
      'OLDEST',
    ],
  ];
  for (const e of endpoints) {
    const w = e.workers;
    const wait = e.queue.oldestNormalWaitMs;
    rows.push([
      e.id,
      `${e.settings.scalerType} ${e.settings.scalerValue}`,
      `${e.settings.workersMin}-${e.settings.workersMax}`,
      e.settings.worker ? e.scaler.state : 'no worker command',
      String(e.scaler.target),
      `${w.starting}/${w.idle}/${w.running}/${w.draining + w.stopping}`,
      String(w.throttled),
      String(w.unhealthy + w.exited),
      `${e.queue.queued} (${e.queue.queuedNormal} normal)`,
      wait === undefined ? '-' : `${(wait / 1000).toFixed(1)}s`,
    ]);
  }
  const lines = [table(rows)];
  for (const e of endpoints) {
    const last = e.scaler.decisions.at(-1);
    if (last) lines.push(`${e.id}: ${last.from} -> ${last.to} ${ago(last.at)}: ${last.reason}\n`);
  }
  return lines.join('');
}

function workerRow(w: WorkerSummary, servers: boolean): string[] {
  return [
    w.workerId,
    ...(servers ? [w.server ?? '-'] : []),
    w.managed ? String(w.pid ?? '-') : 'external',
    w.state,
    w.gpus.length > 0 ? w.gpus.join(',') : (w.label ?? '-'),
    String(w.inFlight),
    ago(w.startedAt),
    ago(w.lastSeenAt),
  ];
}

export function formatWorkers(summary: WorkersSummary): string {
  const head = `${summary.endpointId}: target ${summary.target}, throttled ${summary.throttled}, ${
    summary.crashLoop ? `CRASH LOOP (${summary.quickExits} quick exits in a row)` : 'no crash loop'
  }${summary.restartAt ? `, next start in ${Math.max(0, summary.restartAt - Date.now())} ms` : ''}\n`;
  const fleet = summary.fleet;
  const rows = [
    ['WORKER', ...(fleet ? ['SERVER'] : []), 'PID', 'STATE', 'GPUS', 'IN FLIGHT', 'STARTED', 'LAST SEEN'],
    ...summary.workers.map((w) => workerRow(w, fleet !== undefined)),
  ];
  const lines = [head];
  if (fleet) {
    lines.push(`fleet: target ${fleet.fleetTarget}, decided by ${fleet.decider ?? 'nobody yet'}\n`);
    for (const s of fleet.servers) {
      const gpus = s.gpus.length > 0 ? `${s.freeGpus}/${s.gpus.length} GPUs free` : 'no GPUs';
      lines.push(
        `  ${s.serverId}${s.decider ? ' (decides)' : ''}: share ${s.share}, ${s.workers} worker(s), ${gpus}\n`,
      );
    }
  }
  lines.push(summary.workers.length > 0 ? table(rows) : 'no workers\n');
  for (const w of summary.workers) {
    if (w.unhealthy) lines.push(`${w.workerId} unhealthy (${w.unhealthy.check ?? '?'}): ${w.unhealthy.reason ?? ''}\n`);
  }
  const exit = summary.lastExit;
  if (exit) {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
    lines.push(`last unplanned exit: ${exit.workerId}, ${how}, after ${exit.livedMs} ms, ${ago(exit.at)}\n`);
    for (const line of exit.stderrTail) lines.push(`  | ${line}\n`);
  }
  return lines.join('');
}

/** A reload answer; the PATCH lists may be missing from an older server's. */
type ReloadAnswer = Omit<ReloadReport, 'patchesKept' | 'patchesDropped'> &
  Partial<Pick<ReloadReport, 'patchesKept' | 'patchesDropped'>>;

export function formatReload(report: ReloadAnswer): string {
  const list = (ids: string[]) => (ids.length > 0 ? ids.join(', ') : '-');
  const lines = [
    `added: ${list(report.added)}`,
    `changed: ${list(report.changed)}`,
    `removed: ${list(report.removed)} (their jobs are kept)`,
    `unchanged: ${list(report.unchanged)}`,
  ];
  const { patchesKept = [], patchesDropped = [] } = report;
  if (patchesKept.length > 0) lines.push(`runtime changes kept: ${patchesKept.join(', ')}`);
  if (patchesDropped.length > 0)
    lines.push(`runtime changes dropped (the file changed them): ${patchesDropped.join(', ')}`);
  if (report.restartRequired.length > 0) lines.push(`restart to apply: ${report.restartRequired.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function registerAdminCommands(program: Command): void {
  addAdminOptions(
    program.command('endpoints').description('list endpoints with their scaling state (admin API)'),
  ).action(async (flags: AdminFlags) => {
    print(flags, await call<{ endpoints: EndpointSummary[] }>(flags, 'GET', 'admin/endpoints'), formatEndpoints);
  });

  addAdminOptions(
    program
      .command('workers')
      .description("list an endpoint's workers: state, GPUs, jobs in flight, crash-loop stderr (admin API)")
      .argument('<endpoint>', 'endpoint id'),
  ).action(async (endpointId: string, flags: AdminFlags) => {
    const path = `admin/endpoints/${encodeURIComponent(endpointId)}/workers`;
    print(flags, await call<WorkersSummary>(flags, 'GET', path), formatWorkers);
  });

  addAdminOptions(
    program
      .command('scale')
      .description(
        "change an endpoint's scaling settings at runtime, until a restart or a reload that changes it (admin API)",
      )
      .argument('<endpoint>', 'endpoint id')
      .addOption(new Option('--min <n>', 'workersMin').argParser(wholeNumber))
      .addOption(new Option('--max <n>', 'workersMax').argParser(wholeNumber))
      .addOption(new Option('--idle-timeout <seconds>', 'idleTimeout').argParser(wholeNumber))
      .addOption(new Option('--scaler-type <type>', 'scalerType').choices(['QUEUE_DELAY', 'REQUEST_COUNT']))
      .addOption(new Option('--scaler-value <n>', 'scalerValue').argParser(wholeNumber)),
  ).action(async (endpointId: string, flags: ScaleFlags) => {
    const patch = Object.fromEntries(
      Object.entries({
        workersMin: flags.min,
        workersMax: flags.max,
        idleTimeout: flags.idleTimeout,
        scalerType: flags.scalerType,
        scalerValue: flags.scalerValue,
      }).filter(([, value]) => value !== undefined),
    );
    if (Object.keys(patch).length === 0) {
      throw new UsageError('nothing to change: give --min, --max, --idle-timeout, --scaler-type or --scaler-value');
    }
    const path = `admin/endpoints/${encodeURIComponent(endpointId)}`;
    const summary = await call<EndpointSummary>(flags, 'PATCH', path, patch);
    print(flags, summary, (e) => formatEndpoints({ endpoints: [e] }));
  });

  addAdminOptions(
    program
      .command('reload')
      .description('re-read the configuration file: endpoints added, changed, removed (admin API)'),
  ).action(async (flags: AdminFlags) => {
    print(flags, await call<ReloadAnswer>(flags, 'POST', 'admin/reload'), formatReload);
  });
}
