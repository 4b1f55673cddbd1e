// The workers registry of the SQLite store (spec §6.7, §4.9): registration, pings, health and draining.
// `inFlight` is never stored: it is counted from the IN_PROGRESS jobs leased to the worker.
import type { WorkerRecord, WorkerUpdate } from '../worker-registry.js';
import { rowToWorker, type WorkerRow } from './row-mapping.js';
import type { Statements } from './statements.js';

export function loadWorker(st: Statements, endpointId: string, workerId: string): WorkerRecord | undefined {
  const row = st.worker.get(endpointId, workerId);
  return row && rowToWorker(row);
}

export function listWorkers(st: Statements, endpointId: string): WorkerRecord[] {
  return st.workers.all(endpointId).map(rowToWorker);
}

function applyUpdate(row: WorkerRow, update: WorkerUpdate, now: number): void {
  if (update.seen === true) row.last_seen_at = now;
  if (update.ping !== undefined) {
    row.last_ping_at = now;
    row.ping_job_ids = JSON.stringify(update.ping.jobIds);
    if (update.ping.version !== undefined) row.version = update.ping.version;
  }
  if (update.label !== undefined) row.label = update.label;
  if (update.draining !== undefined) row.draining = update.draining ? 1 : 0;
  if (update.unhealthy !== undefined) {
    row.unhealthy_at = now;
    row.unhealthy_check = update.unhealthy.check ?? null;
    row.unhealthy_reason = update.unhealthy.reason ?? null;
  }
}

/** Registers the worker (firstSeenAt = now) if it is new, then applies `update`; call inside a transaction. */
export function recordWorker(
  st: Statements,
  endpointId: string,
  workerId: string,
  update: WorkerUpdate,
  now: number,
): WorkerRecord {
  st.registerWorker.run(endpointId, workerId, now);
  const row = st.worker.get(endpointId, workerId);
  if (row === undefined) throw new Error(`worker ${endpointId}/${workerId} vanished inside its transaction`);
  applyUpdate(row, update, now);
  st.saveWorker.run(row);
  return rowToWorker(row);
}
