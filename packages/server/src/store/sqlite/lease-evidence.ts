// The liveness evidence of the SQLite store (spec §6.8): per lease, whether a ping listed the job and how many
// pings lacked it since. It lives beside the job rather than in a server's memory, so a restarted server, or
// another process on the same file, reaches the verdict one long-lived server would have reached.
import type Database from 'better-sqlite3';
import type { LeaseEvidence, PingRecorded, PingUpdate } from '../worker-registry.js';
import { rowToJob } from './row-mapping.js';
import type { Statements } from './statements.js';
import { loadWorker, recordWorker } from './worker-registry.js';

interface EvidenceRow {
  job_pk: number;
  worker_id: string;
  started_at: number;
  listed: number;
  missed: number;
  lacking: number;
}

export interface LeaseStatements {
  evidenceOf: Database.Statement<[string, string], EvidenceRow>;
  save: Database.Statement<[number, string, string, number, number, number, number]>;
  drop: Database.Statement<[number]>;
  dropWorker: Database.Statement<[string, string]>;
}

export function prepareLeaseStatements(db: Database.Database): LeaseStatements {
  return {
    evidenceOf: db.prepare<[string, string], EvidenceRow>(
      `SELECT job_pk, worker_id, started_at, listed, missed, lacking FROM lease_pings
        WHERE endpoint_id = ? AND worker_id = ?`,
    ),
    save: db.prepare<[number, string, string, number, number, number, number]>(
      `INSERT OR REPLACE INTO lease_pings (job_pk, endpoint_id, worker_id, started_at, listed, missed, lacking)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    drop: db.prepare<[number]>(`DELETE FROM lease_pings WHERE job_pk = ?`),
    dropWorker: db.prepare<[string, string]>(`DELETE FROM lease_pings WHERE endpoint_id = ? AND worker_id = ?`),
  };
}

/** Counts one ping against a lease (the rules in LeaseEvidence); `before` is undefined for a fresh lease. */
export function countPing(
  before: Omit<LeaseEvidence, 'job'> | undefined,
  listedNow: boolean,
  countsAgainstLease: boolean,
): Omit<LeaseEvidence, 'job'> {
  const prior = before ?? { listed: false, missedSinceListed: 0, lackingSinceLease: 0 };
  if (listedNow) return { ...prior, listed: true, missedSinceListed: 0 };
  if (prior.listed) return { ...prior, missedSinceListed: prior.missedSinceListed + 1 };
  return { ...prior, lackingSinceLease: prior.lackingSinceLease + (countsAgainstLease ? 1 : 0) };
}

/** recordPing of the contract; call inside a write transaction. */
export function recordPing(
  st: Statements,
  ls: LeaseStatements,
  endpointId: string,
  workerId: string,
  ping: PingUpdate,
  now: number,
): PingRecorded {
  const previousPingAt = loadWorker(st, endpointId, workerId)?.lastPingAt;
  const worker = recordWorker(
    st,
    endpointId,
    workerId,
    { seen: true, label: ping.label, ping: { jobIds: ping.jobIds, version: ping.version } },
    now,
  );
  const interval = Math.max(ping.intervalMs, previousPingAt === undefined ? 0 : now - previousPingAt);
  const listedIds = new Set(ping.jobIds);
  const stored = new Map(ls.evidenceOf.all(endpointId, workerId).map((row) => [row.job_pk, row]));
  const leases: LeaseEvidence[] = [];
  const rows = st.leased.all(endpointId, workerId).sort((a, b) => a.pk - b.pk);
  for (const row of rows) {
    const startedAt = row.started_at ?? now;
    const old = stored.get(row.pk);
    stored.delete(row.pk);
    const before =
      old && old.started_at === startedAt
        ? { listed: old.listed === 1, missedSinceListed: old.missed, lackingSinceLease: old.lacking }
        : undefined;
    const after = countPing(before, listedIds.has(row.id), now >= startedAt + interval);
    ls.save.run(
      row.pk,
      endpointId,
      workerId,
      startedAt,
      after.listed ? 1 : 0,
      after.missedSinceListed,
      after.lackingSinceLease,
    );
    leases.push({ job: rowToJob(row), ...after });
  }
  // What is left belongs to leases that ended (finished, reclaimed, cancelled): nothing reads it again.
  for (const pk of stored.keys()) ls.drop.run(pk);
  return { worker, leases };
}
