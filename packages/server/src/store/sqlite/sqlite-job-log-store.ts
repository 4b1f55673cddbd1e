// SqliteJobLogStore: the JobLogStore contract on its own tables of the store's SQLite file. A line tied to a job
// is stored twice, under its job and under its worker, so that each keeps its own cap; `log_owners` counts
// lines and bytes per owner, so a cap is enforced without counting rows.
import type Database from 'better-sqlite3';
import {
  LOG_JOB_MAX_BYTES,
  LOG_JOB_MAX_LINES,
  LOG_WORKER_MAX_LINES,
  type JobLogMark,
  type JobLogStore,
  type LogEntry,
  type LogLevel,
  type LogRead,
  type LogRetention,
  type StoredLogEntry,
} from '../job-log-store.js';
import { openSideDatabase } from './side-database.js';
import { attempt } from './store-error.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS log_lines (
  pk INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time INTEGER NOT NULL,
  level TEXT NOT NULL,
  worker_id TEXT NOT NULL,
  job_id TEXT,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_lines_by_owner ON log_lines (endpoint_id, owner, seq);
CREATE TABLE IF NOT EXISTS log_owners (
  endpoint_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  lines INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0,
  ended INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER,
  PRIMARY KEY (endpoint_id, owner)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS log_owners_expiry ON log_owners (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS log_seq (endpoint_id TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
`;

interface LineRow {
  seq: number;
  time: number;
  level: string;
  worker_id: string;
  job_id: string | null;
  message: string;
}

interface OwnerRow {
  lines: number;
  bytes: number;
  dropped: number;
  ended: number;
}

const jobOwner = (jobId: string) => `job:${jobId}`;
const workerOwner = (workerId: string) => `worker:${workerId}`;

function prepare(db: Database.Database) {
  return {
    nextSeq: db.prepare<[string, number], { seq: number }>(
      `INSERT INTO log_seq VALUES (?, ?) ON CONFLICT (endpoint_id) DO UPDATE SET seq = seq + excluded.seq
       RETURNING seq`,
    ),
    insertLine: db.prepare(
      `INSERT INTO log_lines (endpoint_id, owner, seq, time, level, worker_id, job_id, message)
       VALUES (@endpointId, @owner, @seq, @time, @level, @workerId, @jobId, @message)`,
    ),
    owner: db.prepare<[string, string], OwnerRow>(
      'SELECT lines, bytes, dropped, ended FROM log_owners WHERE endpoint_id = ? AND owner = ?',
    ),
    putOwner: db.prepare(
      `INSERT INTO log_owners VALUES (@endpointId, @owner, @lines, @bytes, @dropped, @ended, @expiresAt)
       ON CONFLICT (endpoint_id, owner) DO UPDATE SET lines = excluded.lines, bytes = excluded.bytes,
         dropped = excluded.dropped, ended = excluded.ended, expires_at = excluded.expires_at`,
    ),
    // An owner's expiry set by its lines stands: the mark alone never shortens nor lengthens it.
    markEnded: db.prepare<[string, string, number, number | null]>(
      `INSERT INTO log_owners (endpoint_id, owner, ended, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (endpoint_id, owner) DO UPDATE SET ended = excluded.ended,
         expires_at = coalesce(log_owners.expires_at, excluded.expires_at)`,
    ),
    oldest: db.prepare<[string, string, number], { pk: number; message: string }>(
      'SELECT pk, message FROM log_lines WHERE endpoint_id = ? AND owner = ? ORDER BY seq LIMIT ?',
    ),
    deleteLine: db.prepare<[number]>('DELETE FROM log_lines WHERE pk = ?'),
    read: db.prepare<[string, string, number], LineRow>(
      `SELECT seq, time, level, worker_id, job_id, message FROM log_lines
       WHERE endpoint_id = ? AND owner = ? AND seq > ? ORDER BY seq`,
    ),
    deleteOwnerLines: db.prepare<[string, string]>('DELETE FROM log_lines WHERE endpoint_id = ? AND owner = ?'),
    deleteOwner: db.prepare<[string, string]>('DELETE FROM log_owners WHERE endpoint_id = ? AND owner = ?'),
    expiredOwners: db.prepare<[number], { endpoint_id: string; owner: string }>(
      'SELECT endpoint_id, owner FROM log_owners WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT 1000',
    ),
  };
}

export function openSqliteJobLogStore(path: string): SqliteJobLogStore {
  return new SqliteJobLogStore(openSideDatabase(path, SCHEMA));
}

export class SqliteJobLogStore implements JobLogStore {
  private readonly st: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.st = prepare(db);
  }

  append(endpointId: string, entries: LogEntry[], retention: LogRetention): Promise<void> {
    return attempt(() =>
      this.db
        .transaction(() => {
          if (entries.length === 0) return;
          const last = this.st.nextSeq.get(endpointId, entries.length)?.seq ?? entries.length;
          let seq = last - entries.length;
          const touched = new Map<string, { added: number; bytes: number; expiresAt: number | null }>();
          for (const entry of entries) {
            seq += 1;
            const owners = [workerOwner(entry.workerId)];
            if (entry.jobId !== undefined) owners.push(jobOwner(entry.jobId));
            const bytes = Buffer.byteLength(entry.message, 'utf8');
            for (const owner of owners) {
              this.st.insertLine.run({ endpointId, owner, seq, ...entry, jobId: entry.jobId ?? null });
              const keepMs = owner.startsWith('job:') ? retention.jobMs : retention.workerMs;
              const t = touched.get(owner) ?? { added: 0, bytes: 0, expiresAt: null };
              touched.set(owner, {
                added: t.added + 1,
                bytes: t.bytes + bytes,
                expiresAt: keepMs === undefined ? null : entry.time + keepMs,
              });
            }
          }
          for (const [owner, t] of touched) this.settleOwner(endpointId, owner, t.added, t.bytes, t.expiresAt);
        })
        .immediate(),
    );
  }

  readJob(endpointId: string, jobId: string, after = 0): Promise<LogRead> {
    return attempt(() => this.read(endpointId, jobOwner(jobId), after));
  }

  readWorker(endpointId: string, workerId: string, after = 0): Promise<LogRead> {
    return attempt(() => this.read(endpointId, workerOwner(workerId), after));
  }

  endWorker(endpointId: string, workerId: string, now: number, retention: LogRetention): Promise<void> {
    return attempt(() => {
      const owner = workerOwner(workerId);
      const row = this.st.owner.get(endpointId, owner) ?? { lines: 0, bytes: 0, dropped: 0, ended: 0 };
      this.st.putOwner.run({ endpointId, owner, ...row, ended: 1, expiresAt: now + retention.workerMs });
    });
  }

  endJobs(endpointId: string, marks: JobLogMark[], now: number, retention: LogRetention): Promise<void> {
    const expiresAt = retention.jobMs === undefined ? null : now + retention.jobMs;
    return attempt(() =>
      this.db
        .transaction(() => {
          for (const { jobId, ended } of marks)
            this.st.markEnded.run(endpointId, jobOwner(jobId), ended ? 1 : 0, expiresAt);
        })
        .immediate(),
    );
  }

  dropJobs(endpointId: string, jobIds: string[]): Promise<void> {
    return attempt(() =>
      this.db
        .transaction(() => {
          for (const id of jobIds) {
            this.st.deleteOwnerLines.run(endpointId, jobOwner(id));
            this.st.deleteOwner.run(endpointId, jobOwner(id));
          }
        })
        .immediate(),
    );
  }

  trim(now: number): Promise<void> {
    return attempt(() =>
      this.db
        .transaction(() => {
          for (const { endpoint_id, owner } of this.st.expiredOwners.all(now)) {
            this.st.deleteOwnerLines.run(endpoint_id, owner);
            this.st.deleteOwner.run(endpoint_id, owner);
          }
        })
        .immediate(),
    );
  }

  close(): Promise<void> {
    return attempt(() => {
      if (this.db.open) this.db.close();
    });
  }

  private read(endpointId: string, owner: string, after: number): LogRead {
    const meta = this.st.owner.get(endpointId, owner);
    const lines = this.st.read.all(endpointId, owner, after).map((row): StoredLogEntry => {
      const line: StoredLogEntry = {
        seq: row.seq,
        time: row.time,
        level: row.level as LogLevel,
        workerId: row.worker_id,
        message: row.message,
      };
      if (row.job_id !== null) line.jobId = row.job_id;
      return line;
    });
    return { lines, truncated: (meta?.dropped ?? 0) > 0, ended: (meta?.ended ?? 0) === 1 };
  }

  /** Adds the counts of new lines to the owner, then drops its oldest lines while it is over a cap. */
  private settleOwner(endpointId: string, owner: string, added: number, bytes: number, expiresAt: number | null) {
    const row = this.st.owner.get(endpointId, owner) ?? { lines: 0, bytes: 0, dropped: 0, ended: 0 };
    let lines = row.lines + added;
    let total = row.bytes + bytes;
    let dropped = row.dropped;
    const isJob = owner.startsWith('job:');
    const maxLines = isJob ? LOG_JOB_MAX_LINES : LOG_WORKER_MAX_LINES;
    const maxBytes = isJob ? LOG_JOB_MAX_BYTES : Number.POSITIVE_INFINITY;
    if (lines > maxLines || total > maxBytes) {
      for (const line of this.st.oldest.all(endpointId, owner, lines)) {
        if (lines <= maxLines && total <= maxBytes) break;
        this.st.deleteLine.run(line.pk);
        lines -= 1;
        total -= Buffer.byteLength(line.message, 'utf8');
        dropped += 1;
      }
    }
    this.st.putOwner.run({ endpointId, owner, lines, bytes: total, dropped, ended: row.ended, expiresAt });
  }
}
