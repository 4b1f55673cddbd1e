// The conformance suite of the JobHistory contract (store/job-history.ts): every store runs it unchanged, with
// explicit times. It checks listing order and filters, cursor pages that stay put while jobs are added,
// timeline and body caps, webhook notes, and expiry.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '@sluice/protocol';
import { HISTORY_BODY_MAX_BYTES, HISTORY_TIMELINE_MAX, type JobHistory } from '../job-history.js';
import { queuedJobRecord, type JobRecord } from '../job-record.js';
import { EP, OTHER_EP, T0, expectCode, newJob } from './conformance-support.js';

export type OpenJobHistory = () => Promise<{ history: JobHistory; cleanup(): Promise<void> }>;

function job(createdAt: number, status: JobStatus = 'IN_QUEUE', overrides: Partial<JobRecord> = {}): JobRecord {
  return { ...queuedJobRecord(newJob({ createdAt })), status, ...overrides };
}

export function describeJobHistoryConformance(name: string, open: OpenJobHistory): void {
  describe(name, () => {
    let opened: Awaited<ReturnType<OpenJobHistory>> | undefined;
    const history = (): JobHistory => opened!.history;
    beforeEach(async () => {
      opened = await open();
    });
    afterEach(async () => {
      await opened?.cleanup();
      opened = undefined;
    });

    async function add(...jobs: JobRecord[]): Promise<JobRecord[]> {
      for (const j of jobs)
        await history().write([{ job: j, event: { at: j.createdAt, kind: 'created', status: j.status } }]);
      return jobs;
    }

    it('lists newest first, filtered by status, endpoint and time', async () => {
      const [a, b, c, d] = await add(
        job(T0 + 1, 'FAILED'),
        job(T0 + 2),
        job(T0 + 3, 'FAILED'),
        job(T0 + 4, 'TIMED_OUT'),
      );
      await add({ ...job(T0 + 5, 'FAILED'), endpointId: OTHER_EP });
      const ids = async (query: Parameters<JobHistory['list']>[1]) =>
        (await history().list(EP, query)).jobs.map((j) => j.id);
      expect(await ids({ limit: 10 })).toEqual([d!.id, c!.id, b!.id, a!.id]);
      expect(await ids({ limit: 10, statuses: ['FAILED'] })).toEqual([c!.id, a!.id]);
      expect(await ids({ limit: 10, statuses: ['FAILED', 'TIMED_OUT'] })).toEqual([d!.id, c!.id, a!.id]);
      expect(await ids({ limit: 10, since: T0 + 2, until: T0 + 4 })).toEqual([c!.id, b!.id]);
      const page = await history().list(EP, { limit: 10 });
      expect(page.nextCursor).toBeNull();
      expect(page.jobs[0]).not.toHaveProperty('input');
    });

    it('moves a job between status lists as it changes', async () => {
      const [a] = await add(job(T0 + 1));
      await history().write([{ job: { ...a!, status: 'FAILED', error: 'boom', finishedAt: T0 + 9 } }]);
      expect((await history().list(EP, { limit: 5, statuses: ['IN_QUEUE'] })).jobs).toEqual([]);
      const failed = await history().list(EP, { limit: 5, statuses: ['FAILED'] });
      expect(failed.jobs.map((j) => [j.id, j.error])).toEqual([[a!.id, 'boom']]);
    });

    it('pages with a cursor that neither repeats nor skips while jobs are added', async () => {
      const first = await add(...Array.from({ length: 7 }, (_, i) => job(T0 + i, 'FAILED')));
      const seen: string[] = [];
      let cursor: string | undefined;
      let added = 0;
      do {
        const page = await history().list(EP, { limit: 3, statuses: ['FAILED'], ...(cursor ? { cursor } : {}) });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor ?? undefined;
        await add(job(T0 + 100 + added++, 'FAILED'));
      } while (cursor !== undefined);
      expect(seen).toEqual(first.map((j) => j.id).reverse());
    });

    it('orders jobs created in the same millisecond by id, across pages', async () => {
      await add(...Array.from({ length: 5 }, () => job(T0)));
      const all = (await history().list(EP, { limit: 10 })).jobs.map((j) => j.id);
      const p1 = await history().list(EP, { limit: 2 });
      const p2 = await history().list(EP, { limit: 10, cursor: p1.nextCursor! });
      expect([...p1.jobs, ...p2.jobs].map((j) => j.id)).toEqual(all);
      expect([...all].sort().reverse()).toEqual(all);
    });

    it('refuses a cursor it did not make', async () => {
      await expectCode(history().list(EP, { limit: 5, cursor: 'garbage' }), 'ERR_REQUEST_INVALID_FIELD');
    });

    it('keeps the whole record: bodies, timeline, stream count, webhook attempts', async () => {
      const [a] = await add(job(T0, 'IN_QUEUE', { webhook: 'https://example.test/hook' }));
      const running = { ...a!, status: 'IN_PROGRESS' as const, workerId: 'w1', startedAt: T0 + 5 };
      await history().write([
        {
          job: running,
          event: { at: T0 + 5, kind: 'claimed', status: 'IN_PROGRESS', workerId: 'w1' },
        },
      ]);
      await history().write([{ job: running, streamItems: 3 }]);
      await history().write([{ job: running, streamItems: 2 }]);
      const done = { ...running, status: 'COMPLETED' as const, output: { ok: 1 }, finishedAt: T0 + 9 };
      await history().write([
        {
          job: done,
          event: { at: T0 + 9, kind: 'finished', status: 'COMPLETED' },
          expiresAt: T0 + 100,
        },
      ]);
      await history().noteWebhookAttempt(EP, a!.id, { at: T0 + 10, attempt: 1, ok: true, status: 200 });
      await history().noteWebhookAttempt(EP, 'unknown', { at: T0 + 10, attempt: 1, ok: true, status: 200 });
      const record = await history().get(EP, a!.id);
      expect(record).toMatchObject({
        job: { id: a!.id, status: 'COMPLETED', workerId: 'w1', webhook: 'https://example.test/hook' },
        input: a!.input,
        output: { ok: 1 },
        streamItems: 5,
        expiresAt: T0 + 100,
        timelineDropped: 0,
        webhookAttempts: [{ attempt: 1, ok: true, status: 200 }],
      });
      expect(record!.timeline.map((e) => e.kind)).toEqual(['created', 'claimed', 'finished']);
      expect(await history().get(EP, 'unknown')).toBeUndefined();
      expect(await history().get(OTHER_EP, a!.id)).toBeUndefined();
    });

    it('applies a batch in order, several changes of one job included', async () => {
      const [a] = await add(job(T0, 'IN_QUEUE'));
      const running = { ...a!, status: 'IN_PROGRESS' as const, workerId: 'w1', startedAt: T0 + 5 };
      const failed = { ...running, status: 'FAILED' as const, error: 'boom', finishedAt: T0 + 7 };
      const [b] = await add(job(T0 + 1, 'IN_QUEUE'));
      await history().write([
        { job: running, event: { at: T0 + 5, kind: 'claimed', status: 'IN_PROGRESS', workerId: 'w1' } },
        { job: running, streamItems: 2 },
        { job: failed, event: { at: T0 + 7, kind: 'finished', status: 'FAILED' }, expiresAt: T0 + 100 },
        { job: { ...b!, status: 'CANCELLED', finishedAt: T0 + 8 }, expiresAt: T0 + 100 },
      ]);
      const record = await history().get(EP, a!.id);
      expect(record).toMatchObject({ job: { status: 'FAILED', error: 'boom' }, streamItems: 2, expiresAt: T0 + 100 });
      expect(record!.timeline.map((e) => e.kind)).toEqual(['created', 'claimed', 'finished']);
      const failedPage = await history().list(EP, { limit: 5, statuses: ['FAILED'] });
      expect(failedPage.jobs.map((j) => j.id)).toEqual([a!.id]);
      expect((await history().list(EP, { limit: 5, statuses: ['IN_QUEUE', 'IN_PROGRESS'] })).jobs).toEqual([]);
      expect((await history().get(EP, b!.id))?.job.status).toBe('CANCELLED');
    });

    it('keeps large bodies only as their size, and the newest timeline events', async () => {
      const big = 'x'.repeat(HISTORY_BODY_MAX_BYTES + 10);
      const [a] = await add(job(T0, 'IN_QUEUE', { input: { big } }));
      for (let i = 0; i < HISTORY_TIMELINE_MAX + 5; i++) {
        await history().write([
          {
            job: { ...a!, status: 'IN_PROGRESS' },
            event: { at: T0 + i, kind: 'progress', status: 'IN_PROGRESS' },
          },
        ]);
      }
      const record = await history().get(EP, a!.id);
      expect(record?.input).toBeUndefined();
      expect(record?.droppedBodies?.input).toBeGreaterThan(HISTORY_BODY_MAX_BYTES);
      expect(record?.timeline).toHaveLength(HISTORY_TIMELINE_MAX);
      expect(record?.timelineDropped).toBe(6);
      expect(record?.timeline.at(-1)?.at).toBe(T0 + HISTORY_TIMELINE_MAX + 4);
    });

    it('drops records once they expire, and keeps a retried job', async () => {
      const [a, b, c] = await add(job(T0 + 1, 'FAILED'), job(T0 + 2, 'FAILED'), job(T0 + 3, 'FAILED'));
      await history().write([{ job: a!, expiresAt: T0 + 50 }]);
      await history().write([{ job: b!, expiresAt: T0 + 60 }]);
      await history().write([{ job: { ...b!, status: 'IN_QUEUE' }, expiresAt: null }]);
      await history().write([{ job: c!, expiresAt: T0 + 500 }]);
      expect(await history().trim(T0 + 100, 10)).toEqual([{ endpointId: EP, id: a!.id }]);
      expect(await history().get(EP, a!.id)).toBeUndefined();
      expect((await history().list(EP, { limit: 10 })).jobs.map((j) => j.id)).toEqual([c!.id, b!.id]);
      expect(await history().trim(T0 + 100, 10)).toEqual([]);
    });

    it('rejects calls after close with ERR_UNAVAILABLE', async () => {
      await history().close();
      await history().close();
      await expectCode(history().list(EP, { limit: 1 }), 'ERR_UNAVAILABLE');
    });
  });
}
