// HistoryRecorder: every transition of one event-loop turn reaches the history store as one write, in order, and a
// read through the recorder sees every transition recorded before it (a job is listed once /run has answered).
import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { queuedJobRecord, type JobRecord } from '../store/job-record.js';
import type { JobHistory } from '../store/job-history.js';
import { openSqliteJobHistory } from '../store/sqlite/sqlite-job-history.js';
import { newJob } from '../store/testing/conformance-support.js';
import { HistoryRecorder } from './history-recorder.js';

const EP = 'ep';
const NOW = 1_700_000_000_000;

function job(id: string, extra: Partial<JobRecord> = {}): JobRecord {
  return { ...queuedJobRecord(newJob({ id, endpointId: EP, createdAt: NOW })), ...extra };
}

/** The real SQLite history, with every `write` call's batch recorded. */
function spiedHistory(): { history: JobHistory; batches: string[][] } {
  const history = openSqliteJobHistory(':memory:');
  const batches: string[][] = [];
  const write = history.write.bind(history);
  history.write = (changes) => {
    batches.push(changes.map((c) => `${c.job.id}:${c.event?.kind ?? `stream+${c.streamItems ?? 0}`}`));
    return write(changes);
  };
  return { history, batches };
}

function recorder(history: JobHistory, retention = 60_000, streamCountDelayMs?: number): HistoryRecorder {
  const endpoint = { historyRetention: retention };
  const ctx = { endpoint: () => endpoint, now: () => NOW, log: pino({ level: 'silent' }) } as never;
  return new HistoryRecorder(ctx, history, streamCountDelayMs);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('HistoryRecorder', () => {
  let history: JobHistory | undefined;
  afterEach(async () => {
    await history?.close();
    history = undefined;
  });

  it('writes the transitions of one turn as one batch, stream counts before the job’s next event', async () => {
    const spied = spiedHistory();
    history = spied.history;
    const rec = recorder(history);
    const a = job('a');
    const running = { ...a, status: 'IN_PROGRESS' as const, workerId: 'w1', startedAt: NOW };
    rec.record({ job: a, from: undefined });
    rec.record({ job: job('b'), from: undefined });
    rec.record({ job: running, from: 'IN_QUEUE' });
    rec.record({ job: running, from: 'IN_PROGRESS', streamed: true });
    rec.record({ job: running, from: 'IN_PROGRESS', streamed: true });
    rec.record({ job: { ...running, status: 'COMPLETED', finishedAt: NOW + 5 }, from: 'IN_PROGRESS' });
    expect(spied.batches).toEqual([]);
    await turn();
    expect(spied.batches).toEqual([['a:created', 'b:created', 'a:claimed', 'a:stream+2', 'a:finished']]);
    await rec.settle();
    const record = await rec.get(EP, 'a');
    expect(record).toMatchObject({ streamItems: 2, expiresAt: NOW + 5 + 60_000 });
    expect(record?.timeline.map((e) => e.kind)).toEqual(['created', 'claimed', 'finished']);
  });

  it('writes the stream count of a running job after a delay, or with a read, not each turn', async () => {
    const spied = spiedHistory();
    history = spied.history;
    const rec = recorder(history, 60_000, 30);
    const running = { ...job('a'), status: 'IN_PROGRESS' as const, workerId: 'w1', startedAt: NOW };
    rec.record({ job: running, from: 'IN_PROGRESS', streamed: true });
    rec.record({ job: running, from: 'IN_PROGRESS', streamed: true });
    await turn();
    expect(spied.batches).toEqual([]);
    await vi.waitFor(() => expect(spied.batches).toEqual([['a:stream+2']]));
    rec.record({ job: running, from: 'IN_PROGRESS', streamed: true });
    await rec.get(EP, 'a');
    expect(spied.batches).toEqual([['a:stream+2'], ['a:stream+1']]);
  });

  it('lists a job recorded in this very turn: the read writes what is queued first', async () => {
    const spied = spiedHistory();
    history = spied.history;
    const rec = recorder(history);
    rec.record({ job: job('a'), from: undefined });
    const page = await rec.list(EP, { limit: 10 });
    expect(page.jobs.map((j) => j.id)).toEqual(['a']);
    expect(spied.batches).toEqual([['a:created']]);
    await turn();
    // The scheduled flush found nothing left to write.
    expect(spied.batches).toHaveLength(1);
  });

  it('writes nothing for an endpoint whose history is off', async () => {
    const spied = spiedHistory();
    history = spied.history;
    const rec = recorder(history, 0);
    rec.record({ job: job('a'), from: undefined });
    await rec.settle();
    expect(spied.batches).toEqual([]);
    expect(await rec.get(EP, 'a')).toBeUndefined();
  });

  it('logs a failed write and keeps going: history never fails the request that made the transition', async () => {
    const spied = spiedHistory();
    history = spied.history;
    const warnings: unknown[] = [];
    const endpoint = { historyRetention: 60_000 };
    const log = { warn: (...args: unknown[]) => warnings.push(args) };
    const rec = new HistoryRecorder({ endpoint: () => endpoint, now: () => NOW, log } as never, history);
    const write = history.write.bind(history);
    history.write = () => Promise.reject(new Error('disk full'));
    rec.record({ job: job('a'), from: undefined });
    await rec.settle();
    expect(warnings).toHaveLength(1);
    history.write = write;
    rec.record({ job: job('b'), from: undefined });
    expect((await rec.list(EP, { limit: 10 })).jobs.map((j) => j.id)).toEqual(['b']);
  });
});
