// SqliteJobHistory: the JobHistory contract on its own tables of the store's SQLite file. Listing walks the
// (endpoint, status, createdAt, id) index backwards from the cursor, one query per asked status, merged in
// memory: a page costs O(statuses × (log n + limit)), whatever the number of jobs stored.
import type Database from 'better-sqlite3';
import type { JobStatus } from '@sluice/protocol';
import { keepBody, historyJobText } from '../history-bodies.js';
import { compareNewestFirst, decodeCursor, encodeCursor } from '../history-cursor.js';
import {
  HISTORY_TIMELINE_MAX,
  HISTORY_WEBHOOK_ATTEMPTS_MAX,
  type DroppedHistory,
  type HistoryJob,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRecord,
  type HistoryWrite,
  type JobHistory,
  type TimelineEvent,
  type WebhookAttemptNote,
} from '../job-history.js';
import { openSideDatabase } from './side-database.js';
import { attempt } from './store-error.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS job_history (
  endpoint_id TEXT NOT NULL,
  id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  record TEXT NOT NULL,
  input TEXT,
  output TEXT,
  dropped_bodies TEXT,
  timeline TEXT NOT NULL DEFAULT '[]',
  timeline_dropped INTEGER NOT NULL DEFAULT 0,
  stream_items INTEGER NOT NULL DEFAULT 0,
  webhook_attempts TEXT NOT NULL DEFAULT '[]',
  expires_at INTEGER,
  PRIMARY KEY (endpoint_id, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS job_history_by_status ON job_history (endpoint_id, status, created_at, id);
CREATE INDEX IF NOT EXISTS job_history_by_time ON job_history (endpoint_id, created_at, id);
CREATE INDEX IF NOT EXISTS job_history_expiry ON job_history (expires_at) WHERE expires_at IS NOT NULL;
`;

interface HistoryRow {
  endpoint_id: string;
  id: string;
  created_at: number;
  status: string;
  record: string;
  input: string | null;
  output: string | null;
  dropped_bodies: string | null;
  timeline: string;
  timeline_dropped: number;
  stream_items: number;
  webhook_attempts: string;
  expires_at: number | null;
}

type ListRow = Pick<HistoryRow, 'record' | 'created_at' | 'id'>;

/**
 * The page query's bounds: createdAt in [since, until), and strictly after the cursor position. The upper end is
 * one plain `created_at <=` bound (the smaller of until - 1 and the cursor's time, computed before the query) plus
 * a tie-break: SQLite seeks the index with a single bound, while a row value `(created_at, id) < (…)` or two
 * upper bounds make it walk every newer entry first.
 */
const PAGE_BOUNDS = `created_at >= @since AND created_at <= @upper AND (created_at < @cursorAt OR id < @cursorId)`;
const PAGE_ORDER = `ORDER BY created_at DESC, id DESC LIMIT @limit`;

function prepare(db: Database.Database) {
  return {
    load: db.prepare<[string, string], HistoryRow>('SELECT * FROM job_history WHERE endpoint_id = ? AND id = ?'),
    upsert: db.prepare<HistoryRow>(`
      INSERT INTO job_history VALUES (@endpoint_id, @id, @created_at, @status, @record, @input, @output,
        @dropped_bodies, @timeline, @timeline_dropped, @stream_items, @webhook_attempts, @expires_at)
      ON CONFLICT (endpoint_id, id) DO UPDATE SET status = excluded.status, record = excluded.record,
        input = excluded.input, output = excluded.output, dropped_bodies = excluded.dropped_bodies,
        timeline = excluded.timeline, timeline_dropped = excluded.timeline_dropped,
        stream_items = excluded.stream_items, webhook_attempts = excluded.webhook_attempts,
        expires_at = excluded.expires_at`),
    pageAll: db.prepare<Record<string, unknown>, ListRow>(
      `SELECT record, created_at, id FROM job_history INDEXED BY job_history_by_time
       WHERE endpoint_id = @endpointId AND ${PAGE_BOUNDS} ${PAGE_ORDER}`,
    ),
    pageStatus: db.prepare<Record<string, unknown>, ListRow>(
      `SELECT record, created_at, id FROM job_history INDEXED BY job_history_by_status
       WHERE endpoint_id = @endpointId AND status = @status AND ${PAGE_BOUNDS} ${PAGE_ORDER}`,
    ),
    expired: db.prepare<[number, number], { endpoint_id: string; id: string }>(
      `SELECT endpoint_id, id FROM job_history WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?`,
    ),
    attempts: db.prepare<[string, string], { webhook_attempts: string }>(
      'SELECT webhook_attempts FROM job_history WHERE endpoint_id = ? AND id = ?',
    ),
    setAttempts: db.prepare<[string, string, string]>(
      'UPDATE job_history SET webhook_attempts = ? WHERE endpoint_id = ? AND id = ?',
    ),
    remove: db.prepare<[string, string]>('DELETE FROM job_history WHERE endpoint_id = ? AND id = ?'),
  };
}

/** Appends `item` to a JSON list kept at most `max` long; returns the list text and how many fell off. */
function appendCapped<T>(text: string, item: T, max: number): { text: string; dropped: number } {
  const list = JSON.parse(text) as T[];
  list.push(item);
  const dropped = Math.max(0, list.length - max);
  return { text: JSON.stringify(dropped > 0 ? list.slice(dropped) : list), dropped };
}

export function openSqliteJobHistory(path: string): SqliteJobHistory {
  return new SqliteJobHistory(openSideDatabase(path, SCHEMA));
}

export class SqliteJobHistory implements JobHistory {
  private readonly st: ReturnType<typeof prepare>;
  private readonly writeTx: Database.Transaction<(changes: readonly HistoryWrite[]) => void>;

  constructor(private readonly db: Database.Database) {
    this.st = prepare(db);
    // One transaction for the whole batch: one commit per event-loop turn, however many jobs moved in it.
    this.writeTx = db.transaction((changes: readonly HistoryWrite[]) => {
      for (const change of changes) this.apply(change);
    });
  }

  write(changes: readonly HistoryWrite[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return attempt(() => this.writeTx.immediate(changes));
  }

  noteWebhookAttempt(endpointId: string, id: string, note: WebhookAttemptNote): Promise<void> {
    return attempt(() =>
      this.db
        .transaction(() => {
          const text = this.st.attempts.get(endpointId, id)?.webhook_attempts;
          if (text === undefined) return;
          this.st.setAttempts.run(appendCapped(text, note, HISTORY_WEBHOOK_ATTEMPTS_MAX).text, endpointId, id);
        })
        .immediate(),
    );
  }

  list(endpointId: string, query: HistoryQuery): Promise<HistoryPage> {
    return attempt(() => {
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const cursorAt = cursor?.createdAt ?? Number.MAX_SAFE_INTEGER;
      const params = {
        endpointId,
        since: query.since ?? Number.MIN_SAFE_INTEGER,
        upper: Math.min(cursorAt, (query.until ?? Number.MAX_SAFE_INTEGER) - 1),
        cursorAt,
        // Every id sorts below U+FFFF: without a cursor, the tie-break keeps every job.
        cursorId: cursor?.id ?? '\uffff',
        limit: query.limit + 1,
      };
      const statuses: (JobStatus | undefined)[] = query.statuses?.length ? [...new Set(query.statuses)] : [undefined];
      const rows = statuses
        .flatMap((status) =>
          status === undefined ? this.st.pageAll.all(params) : this.st.pageStatus.all({ ...params, status }),
        )
        .sort((a, b) =>
          compareNewestFirst({ createdAt: a.created_at, id: a.id }, { createdAt: b.created_at, id: b.id }),
        );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        jobs: page.map((row) => JSON.parse(row.record) as HistoryJob),
        nextCursor:
          rows.length > query.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
      };
    });
  }

  get(endpointId: string, id: string): Promise<HistoryRecord | undefined> {
    return attempt(() => {
      const row = this.st.load.get(endpointId, id);
      if (row === undefined) return undefined;
      const record: HistoryRecord = {
        job: JSON.parse(row.record) as HistoryJob,
        timeline: JSON.parse(row.timeline) as TimelineEvent[],
        timelineDropped: row.timeline_dropped,
        streamItems: row.stream_items,
        webhookAttempts: JSON.parse(row.webhook_attempts) as WebhookAttemptNote[],
      };
      if (row.input !== null) record.input = JSON.parse(row.input) as HistoryRecord['input'];
      if (row.output !== null) record.output = JSON.parse(row.output) as HistoryRecord['output'];
      if (row.dropped_bodies !== null) record.droppedBodies = JSON.parse(row.dropped_bodies) as object;
      if (row.expires_at !== null) record.expiresAt = row.expires_at;
      return record;
    });
  }

  trim(now: number, max: number): Promise<DroppedHistory[]> {
    return attempt(() =>
      this.db
        .transaction(() => {
          const rows = this.st.expired.all(now, max);
          for (const row of rows) this.st.remove.run(row.endpoint_id, row.id);
          return rows.map((row) => ({ endpointId: row.endpoint_id, id: row.id }));
        })
        .immediate(),
    );
  }

  close(): Promise<void> {
    return attempt(() => {
      if (this.db.open) this.db.close();
    });
  }

  private apply(change: HistoryWrite): void {
    const { job } = change;
    const old = this.st.load.get(job.endpointId, job.id);
    const input = keepBody(job.input);
    const output = keepBody(job.output);
    const dropped = {
      ...(input.droppedBytes === undefined ? {} : { input: input.droppedBytes }),
      ...(output.droppedBytes === undefined ? {} : { output: output.droppedBytes }),
    };
    const row: HistoryRow = {
      endpoint_id: job.endpointId,
      id: job.id,
      created_at: job.createdAt,
      status: job.status,
      record: historyJobText(job),
      input: input.text ?? null,
      output: output.text ?? null,
      dropped_bodies: Object.keys(dropped).length > 0 ? JSON.stringify(dropped) : null,
      timeline: old?.timeline ?? '[]',
      timeline_dropped: old?.timeline_dropped ?? 0,
      stream_items: (old?.stream_items ?? 0) + (change.streamItems ?? 0),
      webhook_attempts: old?.webhook_attempts ?? '[]',
      expires_at: change.expiresAt === undefined ? (old?.expires_at ?? null) : change.expiresAt,
    };
    if (change.event) {
      const { text, dropped: fell } = appendCapped(row.timeline, change.event, HISTORY_TIMELINE_MAX);
      row.timeline = text;
      row.timeline_dropped += fell;
    }
    this.st.upsert.run(row);
  }
}
