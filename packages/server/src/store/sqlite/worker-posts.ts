// Worker posts (spec §6.4, §6.5) and stream reads (spec §4.5), run inside the store's transactions.
// Acceptance: a post applies only to an IN_PROGRESS job leased to the posting worker, except a final post
// from the last holder of a job requeued by reclaim and not yet re-leased.
import { JobEvent, JobStatus, nextStatus, type Json } from '@sluice/protocol';
import type { AppendOptions, FinalResult, PostOutcome, StreamRead } from '../job-store.js';
import { enterTerminal, isLeasedTo, loadJob, saveJob } from './job-transitions.js';
import { jsonText, rowToJob, type JobRow } from './row-mapping.js';
import type { Statements } from './statements.js';

const NOT_FOUND: PostOutcome = { kind: 'not-found' };

function ignored(row: JobRow): PostOutcome {
  return { kind: 'ignored', job: rowToJob(row) };
}

/** Progress (row 3): the job's output becomes the posted value; an absent output key leaves none. */
export function progressJob(
  st: Statements,
  endpointId: string,
  workerId: string,
  id: string,
  output: Json | undefined,
): PostOutcome {
  const row = loadJob(st, endpointId, id);
  if (row === undefined) return NOT_FOUND;
  if (!isLeasedTo(row, workerId)) return ignored(row);
  row.output = jsonText(output);
  saveJob(st, row);
  return { kind: 'applied', job: rowToJob(row) };
}

/** The status a final post moves the job from, or undefined when the post is not accepted. */
function acceptedFrom(row: JobRow, workerId: string): JobStatus | undefined {
  if (isLeasedTo(row, workerId)) return row.status;
  // The last holder of a job requeued by reclaim still owns its result until the job is re-leased:
  // its final post applies as if the job were still IN_PROGRESS with it (the job leaves the queue).
  if (row.status === JobStatus.IN_QUEUE && row.previous_worker_id === workerId) return JobStatus.IN_PROGRESS;
  return undefined;
}

/** Final post (rows 5, 6, 7): the first one wins; output as posted (absent key → none). */
export function finishJob(
  st: Statements,
  endpointId: string,
  workerId: string,
  id: string,
  result: FinalResult,
  now: number,
): PostOutcome {
  const row = loadJob(st, endpointId, id);
  if (row === undefined) return NOT_FOUND;
  const from = acceptedFrom(row, workerId);
  const event = result.status === JobStatus.COMPLETED ? JobEvent.COMPLETE : JobEvent.FAIL;
  const to = from === undefined ? undefined : nextStatus(from, event);
  if (to === undefined) return ignored(row);
  row.worker_id = workerId;
  row.output = jsonText(result.output);
  if (result.streaming === true) row.streaming = 1;
  const stopWorker = result.stopWorker === true ? workerId : null;
  const entry = { status: to, stopWorker, ...(result.error === undefined ? {} : { error: result.error }) };
  return { kind: 'applied', job: enterTerminal(st, row, entry, now) };
}

/**
 * Stream post (row 4): appends after every item ever appended, and marks the job streaming; once per worker
 * sequence within a lease, and only while the unread items stay within the buffer cap.
 */
export function appendStreamItem(
  st: Statements,
  endpointId: string,
  workerId: string,
  id: string,
  item: Json,
  options: AppendOptions,
): PostOutcome {
  const row = loadJob(st, endpointId, id);
  if (row === undefined) return NOT_FOUND;
  if (!isLeasedTo(row, workerId)) return ignored(row);
  const state = st.streamState.get(row.pk);
  const lease = row.started_at;
  const sameLease = state !== undefined && state.post_lease === lease;
  if (options.seq !== undefined && sameLease && options.seq <= state.post_seq) {
    return { kind: 'duplicate', job: rowToJob(row) };
  }
  const text = JSON.stringify(item);
  const unread = (state?.unread_bytes ?? 0) + Buffer.byteLength(text);
  if (options.maxBufferBytes !== undefined && unread > options.maxBufferBytes) {
    return { kind: 'buffer-full', job: rowToJob(row) };
  }
  const postSeq = options.seq ?? (sameLease ? state.post_seq : 0);
  st.putStreamState.run(row.pk, unread, lease ?? null, postSeq);
  // Delivered items are deleted, so the cursor remembers the highest seq handed out.
  const last = Math.max(st.lastStreamSeq.get(row.pk) ?? 0, row.stream_cursor);
  st.insertStreamItem.run(row.pk, last + 1, text);
  if (row.streaming === 0) {
    row.streaming = 1;
    saveJob(st, row);
  }
  return { kind: 'applied', job: rowToJob(row) };
}

/** Consume-once read: up to `max` items after the job's cursor, oldest first; the cursor passes them. */
export function readStreamItems(st: Statements, endpointId: string, id: string, max: number): StreamRead | undefined {
  const row = loadJob(st, endpointId, id);
  if (row === undefined) return undefined;
  const taken = max > 0 ? st.streamAfter.all(row.pk, row.stream_cursor, max) : [];
  const last = taken.at(-1);
  // Appends number items consecutively from 1 (retry deletes them and resets the cursor to 0), so the seq
  // column is the contract's firstSeq as is; with nothing taken, the next item gets cursor + 1.
  const firstSeq = taken[0]?.seq ?? row.stream_cursor + 1;
  if (last !== undefined) {
    st.deleteStreamThrough.run(row.pk, last.seq);
    st.consumeStreamBytes.run(
      taken.reduce((sum, { item }) => sum + Buffer.byteLength(item), 0),
      row.pk,
    );
    st.moveStreamCursor.run(last.seq, row.pk);
  }
  return { job: rowToJob(row), items: taken.map(({ item }) => JSON.parse(item) as Json), firstSeq };
}

/** unreadStream of the contract; call inside a write transaction. */
export function unreadStreamItems(st: Statements, endpointId: string, id: string, firstSeq: number, items: Json[]) {
  const row = loadJob(st, endpointId, id);
  if (row === undefined || items.length === 0 || row.stream_cursor !== firstSeq + items.length - 1) return false;
  items.forEach((item, i) => st.insertStreamItem.run(row.pk, firstSeq + i, JSON.stringify(item)));
  row.stream_cursor = firstSeq - 1;
  saveJob(st, row);
  return true;
}
