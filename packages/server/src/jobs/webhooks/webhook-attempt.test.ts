import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebhookDelivery } from '../../store/webhook-outbox.js';
import type { PostRequest } from './post-json.js';
import { parseWebhookSecrets, signatureHeader } from './signature.js';
import { attemptDelivery, settlementFor, type AttemptResult, type WebhookPolicy } from './webhook-attempt.js';

/** Every test host resolves to a public address: targets are vetted on every attempt. */
const PUBLIC = () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]);
const POLICY: WebhookPolicy = { attempts: 3, retryDelayMs: 10_000, timeoutMs: 10_000, blockPrivateAddresses: false };
const T = 1_700_000_000_500;
const DELIVERY: WebhookDelivery = {
  id: 'delivery-1',
  endpointId: 'echo',
  jobId: 'job-1',
  url: 'https://hooks.test/done?token=abc',
  body: '{"id":"job-1","status":"COMPLETED","input":{},"webhook":"https://hooks.test/done?token=abc"}',
  attempts: 0,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('settlementFor', () => {
  const failed: AttemptResult = { kind: 'failed', reason: 'answered 503' };

  it('retries a failure after the delay until the last attempt, then gives up', () => {
    expect(settlementFor(failed, 1, POLICY, T)).toEqual({ done: false, retryAt: T + 10_000 });
    expect(settlementFor(failed, 2, POLICY, T)).toEqual({ done: false, retryAt: T + 10_000 });
    expect(settlementFor(failed, 3, POLICY, T)).toEqual({ done: true });
    expect(settlementFor(failed, 4, POLICY, T)).toEqual({ done: true });
    expect(settlementFor(failed, 1, { ...POLICY, attempts: 1 }, T)).toEqual({ done: true });
  });

  it('ends a delivered or refused delivery at once', () => {
    expect(settlementFor({ kind: 'delivered', status: 200 }, 1, POLICY, T)).toEqual({ done: true });
    expect(settlementFor({ kind: 'refused', reason: 'private' }, 1, POLICY, T)).toEqual({ done: true });
  });
});

describe('attemptDelivery', () => {
  function recorder(answer: (request: PostRequest) => Promise<number>) {
    const requests: PostRequest[] = [];
    const post = (request: PostRequest) => {
      requests.push(request);
      return answer(request);
    };
    return { requests, post };
  }

  it('POSTs the stored body as JSON with the user agent, unsigned without a secret', async () => {
    const { requests, post } = recorder(() => Promise.resolve(200));
    const result = await attemptDelivery(DELIVERY, POLICY, {
      userAgent: 'sluice/1.2.3',
      now: () => T,
      post,
      lookup: PUBLIC,
    });
    expect(result).toEqual({ kind: 'delivered', status: 200 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url.href).toBe(DELIVERY.url);
    expect(requests[0]!.body).toBe(DELIVERY.body);
    expect(requests[0]!.headers).toEqual({ 'content-type': 'application/json', 'user-agent': 'sluice/1.2.3' });
    // Vetted even with blockPrivateAddresses off (link-local targets are always refused): pinned to what was checked.
    expect(requests[0]!.addresses).toEqual([{ address: '93.184.215.14', family: 4 }]);
  });

  it('signs with every key, the delivery id and the attempt time in seconds', async () => {
    const keys = parseWebhookSecrets('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const { requests, post } = recorder(() => Promise.resolve(200));
    await attemptDelivery(DELIVERY, POLICY, { userAgent: 'ua', keys, now: () => T, post, lookup: PUBLIC });
    expect(requests[0]!.headers).toMatchObject({
      'webhook-id': 'delivery-1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': signatureHeader(keys, 'delivery-1', 1700000000, DELIVERY.body),
    });
  });

  it.each([
    [201, 'delivered'],
    [299, 'delivered'],
    [302, 'failed'],
    [404, 'failed'],
    [503, 'failed'],
  ])('counts %i as %s', async (status, kind) => {
    const { post } = recorder(() => Promise.resolve(status));
    expect(
      (await attemptDelivery(DELIVERY, POLICY, { userAgent: 'ua', now: () => T, post, lookup: PUBLIC })).kind,
    ).toBe(kind);
  });

  it('fails an attempt with no answer within the timeout, and aborts the request', async () => {
    vi.useFakeTimers();
    const { requests, post } = recorder(() => new Promise<number>(() => undefined));
    const attempt = attemptDelivery(
      DELIVERY,
      { ...POLICY, timeoutMs: 2000 },
      { userAgent: 'ua', now: () => T, post, lookup: PUBLIC },
    );
    await vi.advanceTimersByTimeAsync(1999);
    expect(requests[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await attempt).toEqual({ kind: 'failed', reason: 'no answer within 2000 ms' });
    expect(requests[0]!.signal.aborted).toBe(true);
  });

  it('fails on a network error', async () => {
    const { post } = recorder(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')));
    expect(await attemptDelivery(DELIVERY, POLICY, { userAgent: 'ua', now: () => T, post, lookup: PUBLIC })).toEqual({
      kind: 'failed',
      reason: 'connect ECONNREFUSED 127.0.0.1:9',
    });
  });

  it('refuses a private target without sending when private addresses are blocked', async () => {
    const { requests, post } = recorder(() => Promise.resolve(200));
    const lookup = () => Promise.resolve([{ address: '192.168.0.10', family: 4 }]);
    const policy = { ...POLICY, blockPrivateAddresses: true };
    const result = await attemptDelivery(DELIVERY, policy, { userAgent: 'ua', now: () => T, post, lookup });
    expect(result).toEqual({ kind: 'refused', reason: 'hooks.test resolves to 192.168.0.10 (private)' });
    expect(requests).toEqual([]);
  });

  it('connects a public target to the vetted addresses only', async () => {
    const { requests, post } = recorder(() => Promise.resolve(204));
    const lookup = () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]);
    const policy = { ...POLICY, blockPrivateAddresses: true };
    await attemptDelivery(DELIVERY, policy, { userAgent: 'ua', now: () => T, post, lookup });
    expect(requests[0]!.addresses).toEqual([{ address: '93.184.215.14', family: 4 }]);
  });

  it('refuses the cloud metadata address without sending, even with blocking off (issue #12 item 9)', async () => {
    const { requests, post } = recorder(() => Promise.resolve(200));
    const metadata = { ...DELIVERY, url: 'http://169.254.169.254/latest/meta-data/' };
    const result = await attemptDelivery(metadata, POLICY, { userAgent: 'ua', now: () => T, post, lookup: PUBLIC });
    expect(result).toEqual({ kind: 'refused', reason: '169.254.169.254 resolves to 169.254.169.254 (link-local)' });
    expect(requests).toEqual([]);
    const allowed = { ...POLICY, allowAddresses: ['169.254.169.254'] };
    expect((await attemptDelivery(metadata, allowed, { userAgent: 'ua', now: () => T, post })).kind).toBe('delivered');
  });

  it('lets private targets through when blocking is off', async () => {
    const { post } = recorder(() => Promise.resolve(200));
    const local = { ...DELIVERY, url: 'http://127.0.0.1:9999/hook' };
    expect((await attemptDelivery(local, POLICY, { userAgent: 'ua', now: () => T, post, lookup: PUBLIC })).kind).toBe(
      'delivered',
    );
  });

  it('fails (to retry) when the lookup fails, and times a hung lookup out', async () => {
    const { post } = recorder(() => Promise.resolve(200));
    const policy = { ...POLICY, blockPrivateAddresses: true, timeoutMs: 1000 };
    const broken = () => Promise.reject(new Error('getaddrinfo ENOTFOUND hooks.test'));
    expect(await attemptDelivery(DELIVERY, policy, { userAgent: 'ua', now: () => T, post, lookup: broken })).toEqual({
      kind: 'failed',
      reason: 'getaddrinfo ENOTFOUND hooks.test',
    });
    vi.useFakeTimers();
    const hung = () => new Promise<never>(() => undefined);
    const attempt = attemptDelivery(DELIVERY, policy, { userAgent: 'ua', now: () => T, post, lookup: hung });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await attempt).toEqual({ kind: 'failed', reason: 'no answer within 1000 ms' });
  });

  it('refuses a URL that is not http or https', async () => {
    const { requests, post } = recorder(() => Promise.resolve(200));
    const ftp = { ...DELIVERY, url: 'ftp://hooks.test/x' };
    expect((await attemptDelivery(ftp, POLICY, { userAgent: 'ua', now: () => T, post, lookup: PUBLIC })).kind).toBe(
      'refused',
    );
    expect(requests).toEqual([]);
  });
});
