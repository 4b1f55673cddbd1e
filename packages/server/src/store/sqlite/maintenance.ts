// The store's maintenance transitions: time-based rules of `expire` (spec §2.3 rows 11, 12, 16) and requeue
// or failure of a lost worker's jobs by `reclaim` (row 13). Each expire rule reads its own deadline index,
// so one pass costs what is due, not what is stored.
import { JobEvent, JobStatus, nextStatus } from '@sluice/protocol';
import type { JobRecord } from '../job-record.js';
import type { ExpireResult, ExpiredJob } from '../job-store.js';
import { enterTerminal, requeueAtHead } from './job-transitions.js';
import type { JobRow } from './row-mapping.js';
import type { Statements } from './statements.js';

/** Times out one active job; a running one gets a job-stop. Its progress output does not survive (spec §2.2). */
function timeOut(st: Statements, row: JobRow, error: string, now: number): ExpiredJob | undefined {
  const from = row.status;
  const to = nextStatus(from, JobEvent.TIME_OUT);
  if (to === undefined) return undefined;
  const stopWorker = from === JobStatus.IN_PROGRESS ? row.worker_id : null;
  row.output = null;
  return { job: enterTerminal(st, row, { status: to, error, stopWorker }, now), from };
}

/**
 * Row 11 first (executionTimeout since pickup), then row 12 (ttl deadline of a queued or running job), then
 * row 16 (delete terminal records past retention, or past a ttl deadline that came after they finished).
 * A job timed out by its ttl now is kept for its retention, not deleted in the same pass. Expired
 * idempotency keys go too. Webhook outbox rows are never deleted here: they outlive their job.
 */
export function expireJobs(st: Statements, now: number): ExpireResult {
  const timedOut: ExpiredJob[] = [];
  for (const row of st.runDeadlinePassed.all(now)) {
    const expired = timeOut(st, row, `execution timeout exceeded (${row.execution_timeout} ms)`, now);
    if (expired !== undefined) timedOut.push(expired);
  }
  for (const row of st.liveDeadlinePassed.all(now)) {
    const expired = timeOut(st, row, `ttl expired (${row.ttl} ms)`, now);
    if (expired !== undefined) timedOut.push(expired);
  }
  const { changes: deleted } = st.deleteDueJobs.run(now);
  st.deleteExpiredKeys.run(now);
  return { timedOut, deleted };
}

/**
 * Reclaims leased `rows` of a lost worker: within the budget (reclaims < maxReclaims) a job goes back to the
 * head with retries + 1 and its holder remembered as previousWorkerId; past it, the job fails with `error`.
 * Returns the requeued jobs in queue order, then the failed ones.
 */
export function reclaimJobs(
  st: Statements,
  rows: JobRow[],
  maxReclaims: number,
  error: string,
  now: number,
): JobRecord[] {
  const exhausted = rows.filter((row) => row.reclaims >= maxReclaims);
  const requeued = requeueAtHead(
    st,
    rows.filter((row) => row.reclaims < maxReclaims),
    (row) => {
      row.retries += 1;
      row.reclaims += 1;
      row.previous_worker_id = row.worker_id;
      row.queued_at = now;
      row.output = null;
    },
  );
  const failed: JobRecord[] = [];
  for (const row of exhausted) {
    const to = nextStatus(row.status, JobEvent.FAIL);
    if (to === undefined) continue;
    row.output = null;
    failed.push(enterTerminal(st, row, { status: to, error }, now));
  }
  return [...requeued, ...failed];
}
