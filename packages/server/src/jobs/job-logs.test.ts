// JobLogs marks a job's log ended when the job enters a terminal state, behind the lines buffered before, and
// open again when the job is retried, the marks of one turn in one store call; other transitions leave it alone.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '@sluice/protocol';
import type { JobLogStore, LogEntry } from '../store/job-log-store.js';
import { queuedJobRecord } from '../store/job-record.js';
import { newJob } from '../store/testing/conformance-support.js';
import { JobLogs } from './job-logs.js';
import { Wakeups } from './wakeups.js';

function recordingStore() {
  const calls: string[] = [];
  const store: JobLogStore = {
    append: (_ep, entries: LogEntry[]) => {
      calls.push(`append ${entries.map((e) => e.message).join(',')}`);
      return Promise.resolve();
    },
    endJobs: (_ep, marks) => {
      calls.push(marks.map((m) => `${m.ended ? 'end' : 'reopen'} ${m.jobId}`).join(','));
      return Promise.resolve();
    },
    readJob: () => Promise.resolve({ lines: [], truncated: false, ended: false }),
    readWorker: () => Promise.resolve({ lines: [], truncated: false, ended: false }),
    endWorker: () => Promise.resolve(),
    dropJobs: () => Promise.resolve(),
    trim: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return { calls, store };
}

describe('JobLogs.noteTransition', () => {
  it('marks the end behind buffered lines, reopens on retry, ignores other moves', async () => {
    const { calls, store } = recordingStore();
    const logs = new JobLogs({
      store,
      wakeups: new Wakeups(),
      log: pino({ enabled: false }),
      now: () => 0,
      historyRetention: () => 60_000,
    });
    const job = { ...queuedJobRecord(newJob({ createdAt: 0 })), id: 'j1' };
    const move = (from: JobStatus | undefined, status: JobStatus, id = 'j1') =>
      logs.noteTransition({ job: { ...job, id, status }, from });
    move(undefined, 'IN_QUEUE');
    move('IN_QUEUE', 'IN_PROGRESS');
    logs.add(job.endpointId, { time: 0, level: 'info', workerId: 'w1', jobId: 'j1', message: 'last words' });
    move('IN_PROGRESS', 'COMPLETED');
    move('COMPLETED', 'COMPLETED');
    await logs.flush();
    expect(calls).toEqual(['append last words', 'end j1']);
    // The marks of one turn go in one call, in order.
    move('COMPLETED', 'IN_QUEUE');
    move('IN_QUEUE', 'IN_PROGRESS');
    move('IN_PROGRESS', 'FAILED');
    move('IN_QUEUE', 'CANCELLED', 'j2');
    await logs.flush();
    expect(calls.slice(2)).toEqual(['reopen j1,end j1,end j2']);
  });
});
