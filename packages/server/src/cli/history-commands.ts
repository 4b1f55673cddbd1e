// The operator commands on job history and logs (admin API, docs/api.md "Job history and logs"): `sluice jobs`
// lists jobs (a table on a terminal, JSON lines when piped), `sluice job` prints one whole record, and
// `sluice logs` prints or follows (`-f`, over server-sent events) the log of a job, a worker, or every worker.
import { InvalidArgumentError, type Command } from 'commander';
import type { WorkersSummary } from '../fleet/fleet-views.js';
import type { JobDetail, JobSummary } from '../routes/admin/job-views.js';
import type { StoredLogEntry } from '../store/job-log-store.js';
import { addAdminOptions, call, table, type AdminFlags } from './admin-commands.js';
import { readEventStream } from './event-stream-reader.js';
import { UsageError } from './exit-codes.js';
import { jsonLine, resolveOutputMode } from './output.js';

interface JobsFlags extends AdminFlags {
  status?: string;
  since?: number;
  limit: number;
}

interface LogsFlags extends AdminFlags {
  job?: string;
  worker?: string;
  follow?: boolean;
}

/** The API's page cap; `--limit` above it is fetched in several pages. */
const PAGE_MAX = 500;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an age (`90s`, `15m`, `1h`, `2d`), an ISO date, or epoch milliseconds; returns epoch ms. */
export function parseSince(value: string, now = Date.now()): number {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) return now - Number(age[1]) * (UNITS[age[2] as string] ?? 0);
  if (/^\d{10,16}$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) throw new InvalidArgumentError('must be an age like 30m, 1h or 2d, an ISO date, or epoch ms');
  return date;
}

function positive(value: string): number {
  if (!/^\d{1,7}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return Number(value);
}

const enc = encodeURIComponent;

function time(at: number | null | undefined): string {
  return at === null || at === undefined ? '-' : new Date(at).toISOString().replace('T', ' ').slice(0, 23);
}

function ms(value: number | null): string {
  return value === null ? '-' : value < 10_000 ? `${value}ms` : `${(value / 1000).toFixed(1)}s`;
}

export function formatJobs(jobs: JobSummary[]): string {
  if (jobs.length === 0) return 'no jobs\n';
  const rows = [['ID', 'STATUS', 'CREATED', 'DELAY', 'EXECUTION', 'WORKER', 'RETRIES', 'ERROR']];
  for (const j of jobs) {
    const error = j.error === null ? '' : j.error.replace(/\s+/g, ' ').slice(0, 60);
    rows.push([
      j.id,
      j.status,
      time(j.createdAt),
      ms(j.delayTime),
      ms(j.executionTime),
      j.workerId ?? '-',
      String(j.retries),
      error,
    ]);
  }
  return table(rows);
}

export function formatJob(job: JobDetail): string {
  const s = job.status;
  const lines = [
    `${s.id}  ${s.status}${job.live ? '' : '  (kept by history; the public routes no longer answer for it)'}`,
    `created     ${time(job.createdAt)}`,
    `delay       ${ms(s.delayTime ?? null)}   execution ${ms(s.executionTime ?? null)}   worker ${s.workerId ?? '-'}   retries ${s.retries ?? 0}`,
    `policy      executionTimeout ${job.policy.executionTimeout} ms, ttl ${job.policy.ttl} ms${job.policy.lowPriority ? ', lowPriority' : ''}${job.sync ? ', runsync' : ''}`,
    `input       ${job.input === null ? '(not kept)' : JSON.stringify(job.input)}`,
  ];
  if (s.error !== undefined) lines.push(`error       ${s.error}`);
  if ('output' in s) lines.push(`output      ${JSON.stringify(s.output)}`);
  if (job.streamItems !== null) lines.push(`stream      ${job.streamItems} item(s)`);
  if (job.webhook) {
    lines.push(`webhook     ${job.webhook.url}`);
    for (const a of job.webhook.attempts) {
      lines.push(
        `  attempt ${a.attempt} ${time(a.at)} ${a.ok ? `delivered (${a.status ?? '?'})` : `failed: ${a.error ?? a.status ?? '?'}`}`,
      );
    }
  }
  lines.push(`timeline${job.timelineDropped > 0 ? ` (${job.timelineDropped} older events not kept)` : ''}`);
  for (const e of job.timeline)
    lines.push(`  ${time(e.at)}  ${e.kind.padEnd(9)} ${e.status}${e.workerId ? ` ${e.workerId}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export function formatLogLine(line: StoredLogEntry): string {
  const job = line.jobId === undefined ? '' : ` ${line.jobId}`;
  return `${time(line.time).slice(11)} ${line.level.toUpperCase().padEnd(5)} ${line.workerId}${job} | ${line.message}\n`;
}

async function listJobs(endpointId: string, flags: JobsFlags): Promise<void> {
  const json = resolveOutputMode(flags, process.stdout.isTTY === true) === 'json';
  const jobs: JobSummary[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(PAGE_MAX, flags.limit - jobs.length)) });
    if (flags.status) query.set('status', flags.status);
    if (flags.since !== undefined) query.set('since', String(flags.since));
    if (cursor) query.set('cursor', cursor);
    const page: { jobs: JobSummary[]; nextCursor: string | null } = await call(
      flags,
      'GET',
      `admin/endpoints/${enc(endpointId)}/jobs?${query.toString()}`,
    );
    // JSON lines go out page by page, so a long listing starts printing at once.
    if (json) for (const job of page.jobs) process.stdout.write(jsonLine(job));
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor !== null && jobs.length < flags.limit);
  if (!json) process.stdout.write(formatJobs(jobs));
}

async function showJob(endpointId: string, jobId: string, flags: AdminFlags): Promise<void> {
  const job = await call<JobDetail>(flags, 'GET', `admin/endpoints/${enc(endpointId)}/jobs/${enc(jobId)}`);
  const json = resolveOutputMode(flags, process.stdout.isTTY === true) === 'json';
  process.stdout.write(json ? jsonLine(job) : formatJob(job));
}

/** Log paths to read: the job's, the worker's, or every worker's of the endpoint. */
async function logPaths(endpointId: string, flags: LogsFlags): Promise<string[]> {
  const base = `admin/endpoints/${enc(endpointId)}`;
  if (flags.job !== undefined && flags.worker !== undefined) throw new UsageError('give --job or --worker, not both');
  if (flags.job !== undefined) return [`${base}/jobs/${enc(flags.job)}/logs`];
  if (flags.worker !== undefined) return [`${base}/workers/${enc(flags.worker)}/logs`];
  const { workers } = await call<WorkersSummary>(flags, 'GET', `${base}/workers`);
  return workers.map((w) => `${base}/workers/${enc(w.workerId)}/logs`);
}

async function showLogs(endpointId: string, flags: LogsFlags): Promise<void> {
  const json = resolveOutputMode(flags, process.stdout.isTTY === true) === 'json';
  const write = (line: StoredLogEntry) => process.stdout.write(json ? jsonLine(line) : formatLogLine(line));
  const paths = await logPaths(endpointId, flags);
  if (!flags.follow) {
    const reads = await Promise.all(
      paths.map((p) => call<{ lines: StoredLogEntry[]; truncated: boolean }>(flags, 'GET', p)),
    );
    if (!json && reads.some((r) => r.truncated)) process.stderr.write('sluice: older lines were dropped (log caps)\n');
    for (const line of reads.flatMap((r) => r.lines).sort((a, b) => a.seq - b.seq)) write(line);
    return;
  }
  await Promise.all(
    paths.map(async (path) => {
      for await (const event of readEventStream({
        url: new URL(path, flags.url.replace(/\/*$/, '/')),
        key: flags.adminKey,
      })) {
        if (event.event === 'line') write(JSON.parse(event.data) as StoredLogEntry);
        else if (event.event === 'end' && !json && (JSON.parse(event.data) as { truncated: boolean }).truncated) {
          process.stderr.write('sluice: older lines were dropped (log caps)\n');
        }
      }
    }),
  );
}

export function registerHistoryCommands(program: Command): void {
  addAdminOptions(
    program
      .command('jobs')
      .description("list an endpoint's jobs, newest first, from the job history (admin API)")
      .argument('<endpoint>', 'endpoint id')
      .option('--status <list>', 'only these statuses, e.g. FAILED,TIMED_OUT')
      .option('--since <age>', 'only jobs created since: 30m, 1h, 2d, an ISO date or epoch ms', (v) => parseSince(v))
      .option('--limit <n>', 'how many jobs to list', positive, 50),
  ).action(listJobs);

  addAdminOptions(
    program
      .command('job')
      .description("print a job's whole record: input, result, timeline, webhook attempts (admin API)")
      .argument('<endpoint>', 'endpoint id')
      .argument('<id>', 'job id'),
  ).action(showJob);

  addAdminOptions(
    program
      .command('logs')
      .description('print the log lines of a job, a worker, or every worker of an endpoint (admin API)')
      .argument('<endpoint>', 'endpoint id')
      .option('--job <id>', "the job's lines")
      .option('--worker <id>', "the worker's lines")
      .option('-f, --follow', 'keep printing new lines until the job ends or the worker exits'),
  ).action(showLogs);
}
