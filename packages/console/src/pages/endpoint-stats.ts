// Figures for an endpoint card: jobs of the last hour (from the job history when the server has it, else the
// retained counts of /health) and queue-depth samples taken while the console is open.
import { api, enc, isMissingRoute } from '../api.js';
import type { Point } from '../components/sparkline.js';
import type { Health, JobPage } from '../types.js';

export const HOUR_MS = 3_600_000;
/** One history page: enough for the chart of a quiet endpoint; a busier hour is marked as a lower bound. */
const HOUR_PAGE = 500;

export interface HourStats {
  /** `history`: counted from the job list; `health`: the retained totals /health reports. */
  source: 'history' | 'health';
  completed: number;
  failed: number;
  /** The page limit was reached: the counts are lower bounds. */
  capped: boolean;
  perMinute: Point[];
}

/** A page of 500 summaries is too much to fetch at every 3 s refresh; per-minute figures move slowly anyway. */
const STATS_REUSE_MS = 15_000;

let historyAvailable: boolean | undefined;
const recent = new Map<string, { at: number; stats: HourStats }>();

export async function hourStats(endpointId: string, now: number, signal: AbortSignal): Promise<HourStats> {
  const cached = recent.get(endpointId);
  if (cached && now - cached.at < STATS_REUSE_MS) return cached.stats;
  const stats = await readHourStats(endpointId, now, signal);
  recent.set(endpointId, { at: now, stats });
  return stats;
}

async function readHourStats(endpointId: string, now: number, signal: AbortSignal): Promise<HourStats> {
  if (historyAvailable !== false) {
    try {
      const page = await api<JobPage>(
        'GET',
        `/admin/endpoints/${enc(endpointId)}/jobs?since=${now - HOUR_MS}&limit=${HOUR_PAGE}`,
        { signal },
      );
      historyAvailable = true;
      return fromHistory(page, now);
    } catch (error) {
      if (!isMissingRoute(error)) throw error;
      historyAvailable = false;
    }
  }
  const health = await api<Health>('GET', `/v2/${enc(endpointId)}/health`, { signal });
  return {
    source: 'health',
    completed: health.jobs.completed,
    failed: health.jobs.failed,
    capped: false,
    perMinute: [],
  };
}

function fromHistory(page: JobPage, now: number): HourStats {
  const minutes = new Map<number, number>();
  let completed = 0;
  let failed = 0;
  for (const job of page.jobs) {
    if (job.status === 'COMPLETED') completed++;
    if (job.status === 'FAILED' || job.status === 'TIMED_OUT') failed++;
    const minute = Math.floor(job.createdAt / 60_000);
    minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
  }
  const perMinute: Point[] = [];
  const first = Math.floor((now - HOUR_MS) / 60_000);
  for (let m = first; m <= Math.floor(now / 60_000); m++)
    perMinute.push({ at: m * 60_000, value: minutes.get(m) ?? 0 });
  return { source: 'history', completed, failed, capped: page.nextCursor !== null, perMinute };
}

const depthSamples = new Map<string, Point[]>();

/** Remembers the queue depth seen now; keeps the last hour. Survives page changes, not a reload. */
export function sampleDepth(endpointId: string, at: number, depth: number): Point[] {
  const samples = (depthSamples.get(endpointId) ?? []).filter((p) => p.at > at - HOUR_MS);
  samples.push({ at, value: depth });
  depthSamples.set(endpointId, samples);
  return samples;
}
