import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';
import { rewriteUrl } from './url-rewrite.js';

const KEYS = {
  auth: {
    keys: [
      { name: 'app', key: 'client-key-0123456789', kind: 'client' },
      { name: 'ro', key: 'readonly-key-0123456789', kind: 'client', access: 'read-only' },
      { name: 'scoped', key: 'scoped-key-0123456789', kind: 'client', endpoints: ['other'] },
      { name: 'box', key: 'worker-key-0123456789', kind: 'worker', endpoints: ['echo'] },
    ],
  },
};

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('rewriteUrl', () => {
  it.each([
    ['/v2//echo//run', '/v2/echo/run'],
    ['/v2/echo/job-take/w1&job_in_progress=0', '/v2/echo/job-take/w1?job_in_progress=0'],
    ['/v2/echo/job-done/w1/j1&isStream=false?gpu=cpu', '/v2/echo/job-done/w1/j1?isStream=false&gpu=cpu'],
    ['/v2/echo/status/abc?ttl=1', '/v2/echo/status/abc?ttl=1'],
  ])('%s → %s', (input, output) => expect(rewriteUrl(input)).toBe(output));
});

describe('routing and errors', () => {
  it('answers unknown endpoints, operations and out-of-scope routes with JSON 404s', async () => {
    t = await createTestApp();
    const cases: [string, string, string][] = [
      ['POST', '/v2/nope/run', 'endpoint not found'],
      ['GET', '/v2/echo/bogus', 'route not found'],
      ['GET', '/v2/echo/metrics', 'route not found'],
      ['POST', '/openai/v1/chat', 'route not found'],
      // `/` redirects to the web console (routes/console); other unknown paths outside /v2 are 404s.
      ['GET', '/favicon.ico', 'route not found'],
    ];
    for (const [method, url, error] of cases) {
      const res = await t.request(method, url);
      expect(res.status, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json.error).toBe(error);
    }
  });

  it('reads any Content-Type, even one that does not parse, as JSON text', async () => {
    t = await createTestApp();
    for (const type of ['garbage', ';;;', '', 'application/json, text/plain', 'text/html; charset=latin1']) {
      const res = await t.request('POST', '/v2/echo/run', { body: '{"input":1}', headers: { 'content-type': type } });
      expect(res.status, type).toBe(200);
    }
  });

  it('answers unreadable URLs and over-long ids with a JSON 404', async () => {
    t = await createTestApp();
    for (const url of ['/v2/echo/status/%zz', `/v2/echo/status/${'x'.repeat(300)}`]) {
      const res = await t.request('GET', url);
      expect(res.status, url).toBe(404);
      expect(res.json.error).toBe('route not found');
    }
  });

  it('answers a wrong method with 405 and Allow', async () => {
    t = await createTestApp();
    const res = await t.request('GET', '/v2/echo/run');
    expect(res.status).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    expect(res.json.error).toBe('method not allowed');
  });

  it('collapses repeated slashes (runpod-sdk with a trailing-slash baseUrl)', async () => {
    t = await createTestApp();
    const res = await t.request('POST', '/v2//echo/run', { body: { input: 1 } });
    expect(res.status).toBe(200);
  });
});

describe('auth', () => {
  it('accepts Bearer (any case, padded) and raw keys; refuses missing and wrong keys with 401', async () => {
    t = await createTestApp(KEYS);
    const ok = ['Bearer client-key-0123456789', 'bearer   client-key-0123456789 ', 'client-key-0123456789'];
    for (const authorization of ok) {
      expect((await t.request('GET', '/v2/echo/health', { headers: { authorization } })).status).toBe(200);
    }
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer nope-nope-nope-nope' }];
    for (const headers of refused) {
      const res = await t.request('GET', '/v2/echo/health', { headers });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('unauthorized');
    }
  });

  it('checks auth before resolving the endpoint', async () => {
    t = await createTestApp(KEYS);
    expect((await t.request('POST', '/v2/nope/run', { body: { input: 1 } })).status).toBe(401);
    const res = await t.request('POST', '/v2/nope/run', {
      body: { input: 1 },
      headers: { authorization: 'Bearer client-key-0123456789' },
    });
    expect(res.status).toBe(404);
  });

  it('enforces read-only and endpoint scopes, and keeps client and worker keys apart', async () => {
    t = await createTestApp({ ...KEYS, server: { workerPollHoldMs: 1000 } });
    const h = (key: string) => ({ authorization: `Bearer ${key}` });
    expect(
      (await t.request('POST', '/v2/echo/run', { body: { input: 1 }, headers: h('readonly-key-0123456789') })).status,
    ).toBe(401);
    expect((await t.request('GET', '/v2/echo/health', { headers: h('readonly-key-0123456789') })).status).toBe(200);
    expect((await t.request('GET', '/v2/echo/health', { headers: h('scoped-key-0123456789') })).status).toBe(401);
    expect((await t.request('GET', '/v2/other/health', { headers: h('scoped-key-0123456789') })).status).toBe(200);
    expect((await t.request('GET', '/v2/echo/health', { headers: h('worker-key-0123456789') })).status).toBe(401);
    expect(
      (await t.request('GET', '/v2/echo/ping/w1', { headers: { authorization: 'client-key-0123456789' } })).status,
    ).toBe(401);
    expect(
      (await t.request('GET', '/v2/echo/ping/w1', { headers: { authorization: 'worker-key-0123456789' } })).status,
    ).toBe(200);
    expect(
      (await t.request('GET', '/v2/other/ping/w1', { headers: { authorization: 'worker-key-0123456789' } })).status,
    ).toBe(401);
  });

  it('holds a worker long-poll before answering 401, so a bad worker cannot hot-loop', async () => {
    t = await createTestApp({ ...KEYS, server: { workerPollHoldMs: 1000 } });
    const started = Date.now();
    const res = await t.request('GET', '/v2/echo/job-take/w1', { headers: { authorization: 'wrong' } });
    expect(res.status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('holds a worker long-poll before any error, so a worker polling a removed endpoint cannot hot-loop', async () => {
    t = await createTestApp();
    const started = Date.now();
    const res = await t.request('GET', '/v2/nope/job-take/w1');
    expect(res.status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('accepts anything in auth-disabled mode', async () => {
    t = await createTestApp();
    expect((await t.request('GET', '/v2/echo/health', { headers: { authorization: 'Bearer whatever' } })).status).toBe(
      200,
    );
  });
});
