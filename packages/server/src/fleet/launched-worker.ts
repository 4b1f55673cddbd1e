// What the launcher knows of each worker it started, and of each endpoint's restarts, as its parts share it:
// the launcher (states), worker-exit.ts (what an exit does) and endpoint-restarts.ts (back-off, crash loop).
import type { WorkerRecord } from '../store/worker-registry.js';
import type { ProcessExit, WorkerCommand, WorkerLine } from './worker-process.js';
import type { Logger } from 'pino';

export const WorkerState = {
  STARTING: 'starting',
  READY: 'ready',
  DRAINING: 'draining',
  STOPPING: 'stopping',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** A launched worker as operators and the autoscaler see it. */
export interface LaunchedWorker {
  endpointId: string;
  workerId: string;
  pid?: number;
  state: WorkerState;
  gpus: number[];
  label: string;
  startedAt: number;
  /** The store's record at the last sync (lastSeenAt, inFlight, unhealthy, ...). */
  record?: WorkerRecord;
  stderrTail: string[];
}

/** How a worker ended, kept for operators. */
export interface WorkerExit {
  workerId: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  livedMs: number;
  stderrTail: string[];
}

/** The running process of a worker, as the launcher drives it (WorkerProcess, or a fake in tests). */
export interface LaunchedProcess {
  readonly pid: number | undefined;
  /** Settles once the process is gone and its output closed (or it never started). */
  readonly exited: Promise<ProcessExit>;
  stderrTail(): string[];
  /** SIGTERM now, SIGKILL after `graceMs`; idempotent. */
  terminate(graceMs: number): Promise<ProcessExit>;
}

export type SpawnProcess = (command: WorkerCommand, log: Logger, onLine: (line: WorkerLine) => void) => LaunchedProcess;

export interface ManagedWorker extends Omit<LaunchedWorker, 'pid' | 'stderrTail'> {
  process: LaunchedProcess;
  token: string;
}

/** Counts toward its endpoint's target: not draining, not stopping. */
export function isActive(worker: { state: WorkerState }): boolean {
  return worker.state === WorkerState.STARTING || worker.state === WorkerState.READY;
}
