import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SluiceStore } from '../../store/sluice-store.js';
import type { WebhookDelivery, WebhookOutbox } from '../../store/webhook-outbox.js';
import { openSqliteJobStore } from '../../store/sqlite/sqlite-job-store.js';
import { newJob } from '../../store/testing/conformance-support.js';
import type { PostRequest } from './post-json.js';
import { parseWebhookSecrets, signatureHeader } from './signature.js';
import { WebhookSender, type WebhookSenderOptions } from './webhook-sender.js';

const T0 = 1_700_000_000_000;
const POLICY = { attempts: 3, retryDelayMs: 10_000, timeoutMs: 10_000, blockPrivateAddresses: false };

/** The outbox half of the store contract, in memory, with the same lease rules. */
class FakeOutbox implements WebhookOutbox {
  readonly rows = new Map<string, { delivery: WebhookDelivery; dueAt: number }>();

  add(id: string, url = 'https://hooks.test/done', dueAt = Date.now()): void {
    const body = JSON.stringify({ id: `job-${id}`, status: 'COMPLETED', input: {}, webhook: url });
    this.rows.set(id, { delivery: { id, endpointId: 'echo', jobId: `job-${id}`, url, body, attempts: 0 }, dueAt });
  }

  takeDueWebhooks(now: number, max: number, leaseMs: number): Promise<WebhookDelivery[]> {
    const due = [...this.rows.values()]
      .filter((row) => row.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, Math.max(0, max));
    for (const row of due) row.dueAt = now + leaseMs;
    return Promise.resolve(due.map((row) => ({ ...row.delivery })));
  }

  settleWebhook(id: string, outcome: { done: true } | { done: false; retryAt: number }): Promise<void> {
    const row = this.rows.get(id);
    if (outcome.done) this.rows.delete(id);
    else if (row) {
      row.delivery.attempts += 1;
      row.dueAt = outcome.retryAt;
    }
    return Promise.resolve();
  }
}

interface Sent {
  at: number;
  request: PostRequest;
}

function harness(
  answer: (request: PostRequest, n: number) => Promise<number>,
  options: Partial<WebhookSenderOptions> = {},
) {
  const outbox = new FakeOutbox();
  const sent: Sent[] = [];
  const logs: { level: number; msg: string; [key: string]: unknown }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const sender = new WebhookSender({
    store: outbox,
    policy: POLICY,
    keysFor: () => undefined,
    userAgent: 'sluice/test',
    log,
    // Targets are vetted on every attempt: the test host resolves to a public address.
    lookup: () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]),
    post: (request) => {
      sent.push({ at: Date.now(), request });
      return answer(request, sent.length);
    },
    ...options,
  });
  return { outbox, sent, logs, sender, messages: () => logs.map((l) => l.msg) };
}

describe('WebhookSender on fake timers', () => {
  const stopAll: (() => Promise<void>)[] = [];
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(async () => {
    for (const stop of stopAll.splice(0)) await stop();
    vi.useRealTimers();
  });
  const started = (h: ReturnType<typeof harness>) => {
    stopAll.push(() => h.sender.stop());
    h.sender.start();
    return h;
  };

  it('retries a failing target twice, retryDelayMs apart, then gives up and logs it', async () => {
    const outcomes: string[] = [];
    const h = started(harness(() => Promise.resolve(503), { onAttempt: (result) => outcomes.push(result) }));
    h.outbox.add('d1');
    h.sender.kick();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sent.map((s) => s.at - T0)).toEqual([0, 10_000, 20_000]);
    expect(h.outbox.rows.size).toBe(0);
    expect(h.messages()).toEqual([
      'webhook attempt failed; will retry',
      'webhook attempt failed; will retry',
      'webhook attempt failed; out of attempts, giving up',
    ]);
    expect(h.logs[2]).toMatchObject({
      level: 50,
      deliveryId: 'd1',
      jobId: 'job-d1',
      attempt: 3,
      reason: 'answered 503',
    });
    expect(h.logs[2]!['target']).toBe('https://hooks.test');
    expect(outcomes).toEqual(['retry', 'retry', 'gave-up']);
  });

  it('stops at the first 2xx, with the same webhook-id and a fresh timestamp on each signed attempt', async () => {
    const keys = parseWebhookSecrets('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const h = started(harness((_r, n) => Promise.resolve(n === 1 ? 500 : 200), { keysFor: () => keys }));
    h.outbox.add('d1');
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sent.map((s) => s.at - T0)).toEqual([1000, 11_000]);
    const headers = h.sent.map((s) => s.request.headers);
    expect(headers.map((x) => x['webhook-id'])).toEqual(['d1', 'd1']);
    expect(headers.map((x) => x['webhook-timestamp'])).toEqual(['1700000001', '1700000011']);
    expect(headers[1]!['webhook-signature']).toBe(signatureHeader(keys, 'd1', 1700000011, h.sent[1]!.request.body));
    expect(h.outbox.rows.size).toBe(0);
    expect(h.messages()).toEqual(['webhook attempt failed; will retry', 'webhook delivered']);
  });

  it('sends at once when kicked, and otherwise on its next poll', async () => {
    const h = started(harness(() => Promise.resolve(200), { intervalMs: 1000 }));
    await vi.advanceTimersByTimeAsync(300);
    h.outbox.add('kicked');
    h.sender.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sent.map((s) => [s.request.headers['user-agent'], s.at - T0])).toEqual([['sluice/test', 300]]);
    h.outbox.add('polled');
    await vi.advanceTimersByTimeAsync(699);
    expect(h.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.sent.map((s) => s.at - T0)).toEqual([300, 1000]);
  });

  it('keeps at most `concurrency` deliveries in flight and picks up the rest as slots free', async () => {
    const answers: ((status: number) => void)[] = [];
    const h = started(harness(() => new Promise<number>((resolve) => answers.push(resolve)), { concurrency: 2 }));
    for (const id of ['a', 'b', 'c', 'd', 'e']) h.outbox.add(id);
    h.sender.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sent).toHaveLength(2);
    answers[0]!(200);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sent).toHaveLength(3);
    answers[1]!(200);
    answers[2]!(200);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sent).toHaveLength(5);
    answers[3]!(200);
    answers[4]!(200);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.outbox.rows.size).toBe(0);
    expect(h.sent.map((s) => (JSON.parse(s.request.body) as { id: string }).id).sort()).toEqual(
      ['a', 'b', 'c', 'd', 'e'].map((id) => `job-${id}`),
    );
  });

  it('gives up at once on a refused target, without sending', async () => {
    const h = started(harness(() => Promise.resolve(200), { policy: { ...POLICY, blockPrivateAddresses: true } }));
    h.outbox.add('local', 'http://127.0.0.1:8080/hook');
    h.sender.kick();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.sent).toEqual([]);
    expect(h.outbox.rows.size).toBe(0);
    expect(h.logs).toMatchObject([
      { level: 50, msg: 'webhook target refused; giving up', reason: '127.0.0.1 resolves to 127.0.0.1 (loopback)' },
    ]);
  });

  it('stop() waits for the delivery in flight to settle, then polls no more', async () => {
    let answer: (status: number) => void = () => undefined;
    const h = harness(() => new Promise<number>((resolve) => (answer = resolve)));
    h.sender.start();
    h.outbox.add('d1');
    h.sender.kick();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = h.sender.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    answer(200);
    await stopping;
    expect(h.outbox.rows.size).toBe(0);
    h.outbox.add('late');
    h.sender.kick();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sent).toHaveLength(1);
  });

  it('keeps polling after the store fails once', async () => {
    const h = harness(() => Promise.resolve(200), { intervalMs: 1000 });
    const take = h.outbox.takeDueWebhooks.bind(h.outbox);
    let failures = 1;
    h.outbox.takeDueWebhooks = (...args) => (failures-- > 0 ? Promise.reject(new Error('busy')) : take(...args));
    started(h);
    h.outbox.add('d1');
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.messages()).toEqual(['webhook outbox poll failed', 'webhook delivered']);
  });
});

describe('WebhookSender over a shared SQLite store', () => {
  it('two servers sharing the store send each delivery once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-webhooks-'));
    const path = join(dir, 'sluice.db');
    const first: SluiceStore = openSqliteJobStore({ path });
    const stores = [first, openSqliteJobStore({ path })];
    const now = Date.now();
    for (let i = 0; i < 40; i++) {
      const { job } = await first.enqueue(
        newJob({ endpointId: 'echo', webhook: 'https://hooks.test/x', createdAt: now }),
      );
      await first.cancel('echo', job.id, now);
    }
    const sent: string[] = [];
    const senders = stores.map(
      (store) =>
        new WebhookSender({
          store,
          policy: POLICY,
          keysFor: () => undefined,
          userAgent: 'sluice/test',
          log: pino({ level: 'silent' }),
          lookup: () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]),
          concurrency: 4,
          post: async ({ body }) => {
            sent.push((JSON.parse(body) as { id: string }).id);
            await new Promise((resolve) => setTimeout(resolve, 2));
            return 200;
          },
        }),
    );
    try {
      for (const sender of senders) sender.start();
      // A generous bound: under load the 40 deliveries may take long, and the assertions below say what is wrong.
      await vi
        .waitFor(() => expect(sent.length).toBeGreaterThanOrEqual(40), { timeout: 20_000 })
        .catch(() => undefined);
      for (const sender of senders) await sender.stop();
      expect(sent).toHaveLength(40);
      expect(new Set(sent).size).toBe(40);
      expect(await first.takeDueWebhooks(now + 86_400_000, 100, 1000)).toEqual([]);
    } finally {
      for (const sender of senders) await sender.stop();
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
