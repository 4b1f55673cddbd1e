// Runs the job history and log conformance suites against SQLite (a temp file shared with the job store, and
// ':memory:'), and checks that the history list is answered from an index, not a scan.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeJobHistoryConformance } from '../testing/conformance-history.js';
import { describeJobLogStoreConformance } from '../testing/conformance-logs.js';
import { openSqliteJobHistory } from './sqlite-job-history.js';
import { openSqliteJobLogStore } from './sqlite-job-log-store.js';
import { openSqliteJobStore } from './sqlite-job-store.js';

function onFile<T extends { close(): Promise<void> }>(openOn: (path: string) => T) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-history-'));
  const path = join(dir, 'sluice.db');
  // The job store opens the file first, as a server does.
  const jobs = openSqliteJobStore({ path });
  const opened = openOn(path);
  return {
    opened,
    cleanup: async () => {
      await opened.close();
      await jobs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeJobHistoryConformance('SqliteJobHistory (file)', () => {
  const { opened, cleanup } = onFile(openSqliteJobHistory);
  return Promise.resolve({ history: opened, cleanup });
});

describeJobHistoryConformance('SqliteJobHistory (:memory:)', () => {
  const history = openSqliteJobHistory(':memory:');
  return Promise.resolve({ history, cleanup: () => history.close() });
});

describeJobLogStoreConformance('SqliteJobLogStore (file)', () => {
  const { opened, cleanup } = onFile(openSqliteJobLogStore);
  return Promise.resolve({ logs: opened, cleanup });
});

describe('SqliteJobHistory listing', () => {
  it('reads a status page through its index, without a sort or a scan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-history-plan-'));
    try {
      await openSqliteJobHistory(join(dir, 'h.db')).close();
      const db = new Database(join(dir, 'h.db'));
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT record, created_at, id FROM job_history INDEXED BY job_history_by_status
           WHERE endpoint_id = 'e' AND status = 'FAILED' AND created_at >= 0 AND created_at <= 5
           AND (created_at < 5 OR id < 'z') ORDER BY created_at DESC, id DESC LIMIT 51`,
        )
        .all() as { detail: string }[];
      db.close();
      const text = plan.map((p) => p.detail).join('\n');
      // The cursor bounds the index range (created_at<?), so a deep page is a seek, not a walk from the top.
      expect(text).toMatch(
        /SEARCH job_history USING INDEX job_history_by_status \(endpoint_id=\? AND status=\? AND created_at>\? AND created_at<\?\)/,
      );
      expect(text).not.toMatch(/TEMP B-TREE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
