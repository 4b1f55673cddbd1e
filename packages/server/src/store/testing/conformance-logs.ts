// The conformance suite of the JobLogStore contract (store/job-log-store.ts): lines tied to jobs and workers,
// seq order for followers, the caps and the `truncated` flag, ending a worker, dropping a job's lines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOG_JOB_MAX_BYTES,
  LOG_JOB_MAX_LINES,
  LOG_WORKER_MAX_LINES,
  type JobLogStore,
  type LogEntry,
  type LogRetention,
} from '../job-log-store.js';
import { EP, OTHER_EP, T0, expectCode } from './conformance-support.js';

export type OpenJobLogStore = () => Promise<{ logs: JobLogStore; cleanup(): Promise<void> }>;

const KEEP: LogRetention = { workerMs: 3_600_000 };
const line = (message: string, overrides: Partial<LogEntry> = {}): LogEntry => ({
  time: Date.now(),
  level: 'info',
  workerId: 'w1',
  message,
  ...overrides,
});

export function describeJobLogStoreConformance(name: string, open: OpenJobLogStore): void {
  describe(name, () => {
    let opened: Awaited<ReturnType<OpenJobLogStore>> | undefined;
    const logs = (): JobLogStore => opened!.logs;
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(async () => {
      await opened?.cleanup();
      opened = undefined;
    });

    it('ties lines to their job and worker, in order, with increasing seq', async () => {
      await logs().append(EP, [line('boot'), line('job says hi', { jobId: 'j1', level: 'error' })], KEEP);
      await logs().append(EP, [line('other worker', { workerId: 'w2', jobId: 'j2' })], KEEP);
      await logs().append(OTHER_EP, [line('elsewhere', { jobId: 'j1' })], KEEP);
      const job = await logs().readJob(EP, 'j1');
      expect(job.lines.map((l) => [l.message, l.level, l.workerId, l.jobId])).toEqual([
        ['job says hi', 'error', 'w1', 'j1'],
      ]);
      expect(job.truncated).toBe(false);
      const worker = await logs().readWorker(EP, 'w1');
      expect(worker.lines.map((l) => l.message)).toEqual(['boot', 'job says hi']);
      expect(worker.lines[0]!.seq).toBeLessThan(worker.lines[1]!.seq);
      const after = await logs().readWorker(EP, 'w1', worker.lines[0]!.seq);
      expect(after.lines.map((l) => l.message)).toEqual(['job says hi']);
      expect(after.ended).toBe(false);
      expect((await logs().readJob(EP, 'nobody')).lines).toEqual([]);
    });

    it('keeps the last lines of a job within its line and byte caps, and says lines were dropped', async () => {
      const many = Array.from({ length: LOG_JOB_MAX_LINES + 10 }, (_, i) => line(`l${i}`, { jobId: 'j1' }));
      await logs().append(EP, many, KEEP);
      const job = await logs().readJob(EP, 'j1');
      expect(job.lines).toHaveLength(LOG_JOB_MAX_LINES);
      expect(job.lines[0]!.message).toBe('l10');
      expect(job.truncated).toBe(true);
      const big = 'y'.repeat(10 * 1024);
      for (let i = 0; i < 30; i++)
        await logs().append(EP, [line(`${i}:${big}`, { jobId: 'j2', workerId: 'w2' })], KEEP);
      const heavy = await logs().readJob(EP, 'j2');
      const bytes = heavy.lines.reduce((n, l) => n + Buffer.byteLength(l.message), 0);
      expect(bytes).toBeLessThanOrEqual(LOG_JOB_MAX_BYTES);
      expect(heavy.lines.at(-1)!.message.startsWith('29:')).toBe(true);
      expect(heavy.truncated).toBe(true);
      const worker = await logs().readWorker(EP, 'w1');
      expect(worker.lines).toHaveLength(LOG_WORKER_MAX_LINES);
    });

    it('marks an ended worker, and drops the lines of dropped jobs', async () => {
      await logs().append(EP, [line('a', { jobId: 'j1' }), line('b', { jobId: 'j2' })], KEEP);
      await logs().endWorker(EP, 'w1', T0, KEEP);
      expect((await logs().readWorker(EP, 'w1')).ended).toBe(true);
      await logs().dropJobs(EP, ['j1']);
      expect((await logs().readJob(EP, 'j1')).lines).toEqual([]);
      expect((await logs().readJob(EP, 'j2')).lines).toHaveLength(1);
    });

    it("marks a job's log ended, open again on retry, and keeps lines around the mark", async () => {
      expect((await logs().readJob(EP, 'j1')).ended).toBe(false);
      await logs().endJobs(EP, [{ jobId: 'j0', ended: true }], T0, KEEP);
      const quiet = await logs().readJob(EP, 'j0');
      expect(quiet).toEqual({ lines: [], truncated: false, ended: true });
      await logs().append(EP, [line('last words', { jobId: 'j1' })], KEEP);
      await logs().endJobs(EP, [{ jobId: 'j1', ended: true }], T0, KEEP);
      const ended = await logs().readJob(EP, 'j1');
      expect(ended.ended).toBe(true);
      expect(ended.lines.map((l) => l.message)).toEqual(['last words']);
      expect((await logs().readWorker(EP, 'w1')).ended).toBe(false);
      await logs().endJobs(
        EP,
        [
          { jobId: 'j2', ended: true },
          { jobId: 'j1', ended: false },
        ],
        T0,
        KEEP,
      );
      expect((await logs().readJob(EP, 'j2')).ended).toBe(true);
      await logs().append(EP, [line('second run', { jobId: 'j1' })], KEEP);
      const reopened = await logs().readJob(EP, 'j1');
      expect(reopened.ended).toBe(false);
      expect(reopened.lines.map((l) => l.message)).toEqual(['last words', 'second run']);
      await logs().dropJobs(EP, ['j0', 'j1']);
      expect(await logs().readJob(EP, 'j0')).toEqual({ lines: [], truncated: false, ended: false });
      expect((await logs().readJob(EP, 'j1')).ended).toBe(false);
    });

    it('rejects calls after close with ERR_UNAVAILABLE', async () => {
      await logs().close();
      await logs().close();
      await expectCode(logs().readJob(EP, 'j1'), 'ERR_UNAVAILABLE');
    });
  });
}
