// The worker registry contract: what sluice records of worker processes (spec §6.7, §6.8) and the job-stops
// pending for them. Consumers that track workers (presence, lease monitor, reaper, fleet, dispatcher's stop
// polls) depend on this part of the store only.
// Guarantees every implementation gives (checked by describeWorkerRegistryConformance: conformance-workers.ts,
// conformance-liveness.ts):
// - recordWorker and recordPing are each one atomic step, a ping's lease evidence written with it;
// - a job-stop queued by a transition (store/job-store.ts) or by requestStop is handed out once by takeStops.
import type { FleetRegistry } from './fleet-registry.js';
import type { JobRecord } from './job-record.js';

/** What sluice knows of one worker process (spec §6.7, §4.9). */
export interface WorkerRecord {
  endpointId: string;
  workerId: string;
  firstSeenAt: number;
  /** Last request of any kind from the worker; undefined while only registered by the launcher. */
  lastSeenAt?: number;
  /** Last ping; liveness rules (spec §6.8) apply only once this is set. */
  lastPingAt?: number;
  /** Job ids the latest ping listed. */
  pingJobIds: string[];
  version?: string;
  /** `gpu` template parameter (spec §6.1). */
  label?: string;
  /** Sent stopPod: gets no more jobs (spec §6.4). */
  draining: boolean;
  unhealthy?: { at: number; check?: string; reason?: string };
  /** IN_PROGRESS jobs leased to this worker now. */
  inFlight: number;
}

export interface WorkerUpdate {
  seen?: boolean;
  ping?: { jobIds: string[]; version?: string };
  label?: string;
  draining?: boolean;
  unhealthy?: { check?: string; reason?: string };
}

/** A healthy ping as `recordPing` takes it (spec §6.7). */
export interface PingUpdate {
  jobIds: string[];
  version?: string;
  label?: string;
  /**
   * The ping interval workers were told. A ping counts against a lease its worker never listed only once this
   * long, or the gap since the worker's previous ping if that is longer, has passed since the lease.
   */
  intervalMs: number;
}

/**
 * What the pings heard so far, by any server, say about one IN_PROGRESS lease (the spec §6.8 evidence).
 * Counts restart with each lease: a job requeued and leased again starts with none.
 */
export interface LeaseEvidence {
  job: JobRecord;
  /** Some ping during this lease listed the job. */
  listed: boolean;
  /** Once listed: consecutive pings since the last one listing it that lacked it (0 if this ping listed it). */
  missedSinceListed: number;
  /** While never listed: pings lacking it that came at least one interval after the lease. */
  lackingSinceLease: number;
}

export interface PingRecorded {
  worker: WorkerRecord;
  /** Every IN_PROGRESS job leased to the worker, oldest first, with its evidence after this ping. */
  leases: LeaseEvidence[];
}

export interface WorkerRegistry {
  /** Present when several servers may share this store's worker fleet (store/fleet-registry.ts). */
  readonly fleet?: FleetRegistry;

  /** Registers the worker if new and applies the update (one atomic step). */
  recordWorker(endpointId: string, workerId: string, update: WorkerUpdate, now: number): Promise<WorkerRecord>;
  /**
   * Records a healthy ping (as `recordWorker` with `seen`, `ping` and `label`) and, in the same atomic step,
   * what it says about each job leased to the worker, so that every server sharing the store, or one that
   * restarted, reads the same liveness evidence (spec §6.8). Evidence of leases that ended is dropped.
   */
  recordPing(endpointId: string, workerId: string, ping: PingUpdate, now: number): Promise<PingRecorded>;
  getWorker(endpointId: string, workerId: string): Promise<WorkerRecord | undefined>;
  listWorkers(endpointId: string): Promise<WorkerRecord[]>;
  removeWorker(endpointId: string, workerId: string): Promise<void>;

  // ── job-stops and leases ───────────────────────────────────────────────────
  /** Takes (and clears) the job ids pending a job-stop for this worker (spec §6.6). */
  takeStops(endpointId: string, workerId: string): Promise<string[]>;
  /**
   * Queues a job-stop again for a stopped job the worker's pings still list (spec §6.6 delivery). Does
   * nothing for an unknown job or one that is still IN_PROGRESS.
   */
  requestStop(endpointId: string, workerId: string, jobId: string): Promise<void>;
  /** IN_PROGRESS jobs leased to the worker now (liveness checks against its pings, spec §6.8). */
  leasedJobs(endpointId: string, workerId: string): Promise<JobRecord[]>;
}
