// The shapes the console reads from the admin API (docs/scaling.md, docs/api.md). Written out here rather than
// imported from the server, which the console must not depend on.
import type { JobStatus, StatusObject } from '@sluice/protocol';

export type { JobStatus, StatusObject };

export const JOB_STATUSES: JobStatus[] = ['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];
export const TERMINAL: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export interface ScalerDecision {
  at: number;
  from: number;
  to: number;
  reason: string;
}

export interface EndpointSummary {
  id: string;
  settings: {
    workersMin: number;
    workersMax: number;
    idleTimeout: number;
    scalerType: string;
    scalerValue: number;
    gpuCount: number;
    worker: { command: string; args: string[] } | null;
  };
  queue: { queued: number; queuedNormal: number; inProgress: number; oldestNormalWaitMs?: number };
  workers: Record<string, number>;
  scaler: {
    state?: string;
    target?: number;
    decisions?: ScalerDecision[];
    crashLoop: boolean;
    quickExits: number;
    [key: string]: unknown;
  };
}

export interface WorkerSummary {
  workerId: string;
  managed: boolean;
  pid?: number;
  state: string;
  gpus: number[];
  label?: string;
  startedAt?: number;
  lastSeenAt?: number;
  inFlight: number;
  unhealthy?: { at: number; check?: string; reason?: string };
  stderrTail: string[];
}

export interface WorkersSummary {
  endpointId: string;
  target: number;
  throttled: number;
  crashLoop: boolean;
  quickExits: number;
  restartAt?: number;
  lastExit?: { workerId: string; code?: number | null; signal?: string | null; at?: number; stderrTail: string[] };
  workers: WorkerSummary[];
}

export interface Health {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number };
  workers: Record<string, number>;
}

/** One row of the job history list (GET /admin/endpoints/{id}/jobs); absent values are null. */
export interface JobSummary {
  id: string;
  status: JobStatus;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  delayTime: number | null;
  executionTime: number | null;
  workerId: string | null;
  retries: number;
  error: string | null;
}

export interface JobPage {
  jobs: JobSummary[];
  nextCursor: string | null;
}

export interface TimelineEvent {
  at: number;
  kind: string;
  status?: string;
  workerId?: string;
}

export interface WebhookAttempt {
  at: number;
  attempt: number;
  status?: number;
  ok: boolean;
  error?: string;
}

/** The whole record of a job (GET /admin/endpoints/{id}/jobs/{jobId}). */
export interface JobDetail {
  status: StatusObject;
  createdAt: number;
  /** null when history did not keep it (see droppedBodies). */
  input: unknown;
  droppedBodies?: { input?: number; output?: number };
  policy?: { executionTimeout: number; ttl: number; lowPriority: boolean };
  sync?: boolean;
  webhook?: { url: string; attempts: WebhookAttempt[] } | null;
  timeline: TimelineEvent[];
  timelineDropped?: number;
  /** null when history was off for the job. */
  streamItems: number | null;
  /** The public routes still answer for the job. */
  live: boolean;
  retainUntil?: number;
  historyExpiresAt?: number;
}

export interface LogLine {
  time: number;
  level: string;
  workerId?: string;
  jobId?: string;
  message: string;
}
