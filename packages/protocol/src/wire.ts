// Wire shapes of the RunPod-compatible API (spec §2.2, §3, §4, §6). Field names are RunPod's, unchanged.
import type { JobStatus } from './job-status.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Submission `policy` (spec §2.4); `null` members mean "use the endpoint default". */
export interface Policy {
  executionTimeout?: number | null;
  ttl?: number | null;
  lowPriority?: boolean | null;
}

/** Body of `POST run` and `POST runsync` (spec §4.1). */
export interface RunRequest {
  input: Json;
  webhook?: string;
  policy?: Policy;
  s3Config?: Record<string, Json>;
}

/** The status object (spec §2.2): fields that do not apply are omitted. */
export interface StatusObject {
  id: string;
  status: JobStatus;
  delayTime?: number;
  executionTime?: number;
  output?: Json;
  error?: string;
  workerId?: string;
  retries?: number;
}

/** Body of `stream/{id}` (spec §4.5). */
export interface StreamObject extends StatusObject {
  stream: Json[];
}

/** Answer of `POST run` and `POST retry`. */
export interface RunResponse {
  id: string;
  status: JobStatus;
}

export interface PurgeQueueResponse {
  removed: number;
  status: 'completed';
}

/** `GET health` (spec §4.9): every key always present. */
export interface HealthObject {
  jobs: { completed: number; failed: number; inProgress: number; inQueue: number; retried: number };
  workers: {
    idle: number;
    initializing: number;
    ready: number;
    running: number;
    throttled: number;
    unhealthy: number;
  };
}

/** The job object handed to a worker (spec §3). */
export interface WorkerJob {
  id: string;
  input: Json;
  s3Config?: Record<string, Json>;
}

/** `GET job-stop` answer (spec §6.6). */
export interface JobsToStop {
  jobsToStop: string[];
}

/** A `job-done` body as runpod-python posts it (spec §6.4). */
export interface JobDoneBody {
  output?: Json;
  error?: Json;
  status?: string;
  stopPod?: boolean;
  [key: string]: Json | undefined;
}

/** Webhook payload (spec §5). */
export interface WebhookPayload extends StatusObject {
  input: Json;
  webhook: string;
}
