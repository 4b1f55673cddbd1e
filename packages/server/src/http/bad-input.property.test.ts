// Throws malformed and hostile requests at every route (malformed JSON, wrong types, huge and deeply nested
// bodies, odd ids, headers and query strings) and checks the server answers like one: never 5xx, JSON bodies
// (204 aside), 4xx with a string `error`, and a normal job flow still working afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '@sluice/protocol';
import { createTestApp, type TestApp } from '../testing/app-fixture.js';

const CLIENT_KEY = 'client-key-0123456789abcdef';
const WORKER_KEY = 'worker-key-0123456789abcdef';
const MB = 1024 * 1024;
/** `SLUICE_FUZZ_SCALE=20` multiplies the runs for a longer hunt; the default keeps the file under 20 s. */
const SCALE = Number(process.env['SLUICE_FUZZ_SCALE'] ?? 1);

let t: TestApp;
/** Real job ids in several states, so generated requests reach past the 404s. */
const known: string[] = [];

beforeAll(async () => {
  t = await createTestApp({
    server: { workerPollHoldMs: 1000 },
    auth: {
      keys: [
        { name: 'client', key: CLIENT_KEY },
        { name: 'worker', key: WORKER_KEY, kind: 'worker' },
      ],
    },
    endpoints: {
      echo: { rateLimits: false, maxRunBytes: 4 * MB, maxRunsyncBytes: 4 * MB, maxResultBytes: 4 * MB },
      other: {},
    },
    // The API's answers are under test: `/` stays an unknown route, not the console's redirect (routes/console).
    console: { enabled: false },
  });
  const auth = { authorization: `Bearer ${CLIENT_KEY}` };
  const worker = { authorization: WORKER_KEY };
  for (let i = 0; i < 6; i++) {
    known.push((await t.request('POST', '/v2/echo/run', { body: { input: i }, headers: auth })).json.id as string);
  }
  await t.request('GET', '/v2/echo/job-take-batch/w-known?batch_size=3', { headers: worker });
  await t.request('POST', `/v2/echo/job-done/w-known/${known[0]}`, { body: { output: 1 }, headers: worker });
  await t.request('POST', `/v2/echo/job-done/w-known/${known[1]}`, { body: { error: 'x' }, headers: worker });
});

afterAll(async () => {
  await t.close();
});

// ---- the routes --------------------------------------------------------------------------------------------

type Kind = 'client' | 'worker' | 'none';
interface Route {
  name: string;
  kind: Kind;
  methods: string[];
  /** Holds when the request is valid: worker long-polls for workerPollHoldMs, the rest for `wait`. */
  holds?: 'poll' | 'wait';
  path: (ep: string, id: string, worker: string) => string;
}

const ROUTES: Route[] = [
  { name: 'run', kind: 'client', methods: ['POST'], path: (ep) => `/v2/${ep}/run` },
  { name: 'runsync', kind: 'client', methods: ['POST'], holds: 'wait', path: (ep) => `/v2/${ep}/runsync` },
  { name: 'status', kind: 'client', methods: ['GET', 'POST'], path: (ep, id) => `/v2/${ep}/status/${id}` },
  {
    name: 'status-sync',
    kind: 'client',
    methods: ['GET', 'POST'],
    holds: 'wait',
    path: (ep, id) => `/v2/${ep}/status-sync/${id}`,
  },
  {
    name: 'stream',
    kind: 'client',
    methods: ['GET', 'POST'],
    holds: 'wait',
    path: (ep, id) => `/v2/${ep}/stream/${id}`,
  },
  { name: 'cancel', kind: 'client', methods: ['POST'], path: (ep, id) => `/v2/${ep}/cancel/${id}` },
  { name: 'retry', kind: 'client', methods: ['POST'], path: (ep, id) => `/v2/${ep}/retry/${id}` },
  { name: 'purge-queue', kind: 'client', methods: ['POST'], path: (ep) => `/v2/${ep}/purge-queue` },
  { name: 'health', kind: 'client', methods: ['GET'], path: (ep) => `/v2/${ep}/health` },
  {
    name: 'job-take',
    kind: 'worker',
    methods: ['GET'],
    holds: 'poll',
    path: (ep, _id, w) => `/v2/${ep}/job-take/${w}`,
  },
  {
    name: 'job-take-batch',
    kind: 'worker',
    methods: ['GET'],
    holds: 'poll',
    path: (ep, _id, w) => `/v2/${ep}/job-take-batch/${w}`,
  },
  {
    name: 'job-done',
    kind: 'worker',
    methods: ['POST'],
    path: (ep, id, w) => `/v2/${ep}/job-done/${w}/${id}`,
  },
  {
    name: 'job-done-batch',
    kind: 'worker',
    methods: ['POST'],
    path: (ep, _id, w) => `/v2/${ep}/job-done-batch/${w}`,
  },
  {
    name: 'job-stream',
    kind: 'worker',
    methods: ['POST'],
    path: (ep, id, w) => `/v2/${ep}/job-stream/${w}/${id}`,
  },
  {
    name: 'job-stop',
    kind: 'worker',
    methods: ['GET'],
    holds: 'poll',
    path: (ep, _id, w) => `/v2/${ep}/job-stop/${w}`,
  },
  { name: 'ping', kind: 'worker', methods: ['GET'], path: (ep, _id, w) => `/v2/${ep}/ping/${w}` },
  // Unknown routes, and RunPod routes sluice leaves out (spec §0).
  ...[
    () => '/',
    () => '/v2',
    (ep: string) => `/v2/${ep}`,
    (ep: string) => `/v2/${ep}/`,
    (ep: string, id: string) => `/v2/${ep}/run/${id}`,
    (ep: string, id: string) => `/v2/${ep}/status/${id}/extra`,
    (ep: string) => `/v2/${ep}/status`,
    (ep: string) => `/v2/${ep}/metrics`,
    (ep: string) => `/v2/${ep}/requests`,
    (ep: string, _id: string, w: string) => `/v2/${ep}/job-done/${w}`,
    () => '/openai/v1/chat/completions',
    (_ep: string, id: string) => `/${id}`,
  ].map((path, i): Route => ({ name: `unknown-${i}`, kind: 'none', methods: ['GET', 'POST'], path })),
];

// ---- the pieces of a request -------------------------------------------------------------------------------

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });

/** Path segments: plain, unicode (raw or encoded), traversal, NUL, broken escapes, very long. */
const oddSegment = fc.oneof(
  fc.constantFrom('..', '.', '%00', 'a%00b', '%2e%2e', '%2F', '%2f..%2f', '%zz', '%', '%C0%AE', '%FF', '%E2%82'),
  fc.constantFrom('sync-', 'null', 'undefined', '__proto__', 'constructor', 'toString', ';', '~', '-', '_'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => encodeURI(s).replaceAll('?', '%3F')),
  fc.integer({ min: 250, max: 5000 }).map((n) => 'a'.repeat(n)),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
);

const jobId = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((i) => known[i % known.length]!) },
  { weight: 2, arbitrary: oddSegment },
);
const workerId = fc.oneof(fc.constantFrom('w-known', 'w1', 'w2'), oddSegment);
const endpointId = fc.oneof(
  { weight: 16, arbitrary: fc.constant('echo') },
  { weight: 1, arbitrary: fc.constant('other') },
  { weight: 2, arbitrary: oddSegment },
);

const queryKey = fc.constantFrom(
  'wait',
  'ttl',
  'batch_size',
  'isStream',
  'job_in_progress',
  'gpu',
  'job_id',
  'status',
  'check',
  'reason',
  'runpod_version',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'wait[]',
  'a[b]',
  '',
);
const queryValue = fc.oneof(
  fc.constantFrom('', '1000', '999', '1e3', '-1', '0x10', ' 1000', '1000.0', '99999999999999999999', 'NaN'),
  fc.constantFrom('true', 'false', 'unhealthy', '%zz', '%00', '%', 'a,b,,c', '1&2', '%E2%82'),
  printable.map(encodeURIComponent),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'q'.repeat(n)),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?', '??', '?&&&', '?=', '?=&=', '?a', '?wait', '?&'),
  fc
    .array(fc.tuple(queryKey, queryValue), { maxLength: 6 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);

const json = fc.jsonValue({ maxDepth: 4 });

function deepBody({ depth, shape }: { depth: number; shape: 'array' | 'object' | 'open' }): string {
  if (shape === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  if (shape === 'open') return '['.repeat(depth);
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A JSON text fragment, well-formed or not: ordinary, deeply nested, huge, or odd. */
const fragment = fc.oneof(
  { weight: 4, arbitrary: json.map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        depth: fc.constantFrom(999, 1000, 1001, 5000, 10_000, 100_000),
        shape: fc.constantFrom('array' as const, 'object' as const, 'open' as const),
      })
      .map(deepBody),
  },
  { weight: 1, arbitrary: fc.integer({ min: 64 * 1024, max: 5 * MB }).map((n) => `"${'x'.repeat(n)}"`) },
  { weight: 1, arbitrary: fc.constantFrom('1e999', '-0', '1e-400', '123456789012345678901234567890', '-1e308') },
  { weight: 1, arbitrary: fc.constantFrom('"\\ud800"', '"\\u0000"', '"é"', '"\\"', '{"__proto__":{"a":1}}') },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[1,', 'nul', 'undefined', "'x'", '{"a":1,}', '[]]') },
);

type Wrap = (x: string) => string;
/** Where a fragment goes in the body each route reads, so bad values get past the first checks. */
const SUBMISSION: Wrap[] = [
  (x) => `{"input":${x}}`,
  (x) => `{"input":${x},"webhook":"http://h.test/"}`,
  (x) => `{"input":${x},"policy":{"ttl":60000}}`,
  (x) => `{"input":1,"policy":${x}}`,
  (x) => `{"input":1,"policy":{"executionTimeout":${x},"ttl":${x}}}`,
  (x) => `{"input":1,"policy":{"lowPriority":${x}}}`,
  (x) => `{"input":1,"webhook":${x}}`,
  (x) => `{"input":1,"s3Config":${x}}`,
  (x) => `{"input":1,"s3Config":${x},"webhookV2":${x}}`,
];
const WORKER_POST: Wrap[] = [
  (x) => `{"output":${x}}`,
  (x) => `{"output":${x},"isStream":true}`,
  (x) => `{"error":${x}}`,
  (x) => `{"error":"e","output":${x}}`,
  (x) => `{"status":"IN_PROGRESS","output":${x}}`,
  (x) => `{"output":1,"stopPod":${x},"status":${x}}`,
];
const BODY_OF: Record<string, Wrap[]> = {
  run: SUBMISSION,
  runsync: SUBMISSION,
  'job-done': WORKER_POST,
  'job-stream': WORKER_POST,
};

/** Any body at all: absent, empty, not JSON, not UTF-8, or a fragment in any position. */
const anyBody = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', ' ', '\n', '\uFEFF{"input":1}', '{"input":1}garbage', '{"input":1,"input":null}'),
  },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"input":1}}', '{"constructor":{"prototype":{"input":1}}}') },
  { weight: 1, arbitrary: printable },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.constantFrom<Wrap>((x) => x, ...SUBMISSION, ...WORKER_POST),
        fragment,
      )
      .map(([wrap, x]) => wrap(x)),
  },
);

/** Mostly a bad value inside the body this route reads; sometimes anything. */
function bodyFor(route: Route): fc.Arbitrary<string | Buffer | undefined> {
  const wraps = BODY_OF[route.name];
  if (!wraps) return anyBody;
  return fc.oneof(
    { weight: 1, arbitrary: anyBody },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...wraps), fragment).map(([wrap, x]) => wrap(x)) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'garbage',
  ';;;',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  '*/*',
  'application/json, text/plain',
  'application/octet-stream',
];

interface Request {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string | Buffer;
  route: Route;
}

/** `mode` 'fast' keeps every request from holding: no worker long-polls, and an invalid `wait` last. */
function request(mode: 'fast' | 'any'): fc.Arbitrary<Request> {
  const routes = mode === 'fast' ? ROUTES.filter((r) => r.holds !== 'poll') : ROUTES;
  // Routes that read a body, and well-formed requests, are drawn more often so bad values get deep.
  const routeArb = fc.oneof(
    fc.constantFrom(...routes),
    fc.constantFrom(...routes.filter((r) => Object.hasOwn(BODY_OF, r.name))),
  );
  return routeArb.chain((picked) =>
    fc
      .record({
        route: fc.constant(picked),
        otherMethod: fc.oneof(
          { weight: 9, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
        ),
        methodIndex: fc.nat(),
        ep: endpointId,
        id: jobId,
        worker: workerId,
        query,
        auth: fc.oneof(
          { weight: 16, arbitrary: fc.constant('right') },
          {
            weight: 3,
            arbitrary: fc.constantFrom('wrong-kind', 'none', 'empty', 'bearer-only', 'garbage', 'duplicate'),
          },
          { weight: 1, arbitrary: latin1 },
        ),
        contentType: fc.option(fc.oneof(fc.constantFrom(...CONTENT_TYPES), printable), { freq: 2 }),
        extra: fc.oneof(
          { weight: 3, arbitrary: fc.constant({}) },
          {
            weight: 2,
            arbitrary: fc.record(
              {
                charset: fc.constant('utf-8'),
                accept: fc.constantFrom('text/event-stream', '*/*', 'garbage'),
                'idempotency-key': fc.oneof(fc.constantFrom('', 'k'), latin1, fc.constant('k'.repeat(300))),
                'x-request-id': latin1,
                'user-agent': latin1,
                'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'garbage'),
                'sec-fetch-mode': fc.constant('cors'),
              },
              { requiredKeys: [] },
            ),
          },
        ),
        duplicateIdempotency: fc.oneof(
          { weight: 9, arbitrary: fc.constant(false) },
          { weight: 1, arbitrary: fc.constant(true) },
        ),
        bearer: fc.boolean(),
        getBody: fc.boolean(),
        body: bodyFor(picked),
        badWait: fc.constantFrom('999', 'abc', '', '300001', '1e3', '-1', '1000.5'),
      })
      .map((g): Request => {
        const { route } = g;
        const method = g.otherMethod ?? route.methods[g.methodIndex % route.methods.length]!;
        let url = route.path(g.ep, g.id, g.worker) + g.query;
        if (route.holds === 'wait') {
          const sep = url.includes('?') ? '&' : '?';
          url += `${sep}wait=${mode === 'fast' ? g.badWait : '1000'}`;
        }
        const right = route.kind === 'worker' ? WORKER_KEY : CLIENT_KEY;
        const wrong = route.kind === 'worker' ? CLIENT_KEY : WORKER_KEY;
        const authorization: Record<string, string | string[] | undefined> = {
          right: g.bearer ? `Bearer ${right}` : right,
          'wrong-kind': `Bearer ${wrong}`,
          none: undefined,
          empty: '',
          'bearer-only': 'Bearer ',
          garbage: 'Basic Zm9vOmJhcg==',
          duplicate: [`Bearer ${right}`, 'junk'],
        };
        const headers: Record<string, string | string[]> = { ...g.extra };
        const auth = Object.hasOwn(authorization, g.auth) ? authorization[g.auth] : g.auth;
        if (auth !== undefined) headers['authorization'] = auth;
        if (g.contentType !== null) headers['content-type'] = g.contentType;
        if (g.duplicateIdempotency) headers['idempotency-key'] = ['a', 'b'];
        return { method, url, headers, payload: method === 'GET' && !g.getBody ? undefined : g.body, route };
      }),
  );
}

// ---- the checks ---------------------------------------------------------------------------------------------

function describeRequest(req: Request): string {
  const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s);
  const payload =
    req.payload === undefined
      ? '(none)'
      : cut(Buffer.isBuffer(req.payload) ? req.payload.toString('hex') : req.payload);
  return `${req.method} ${cut(req.url)} headers=${cut(JSON.stringify(req.headers))} body=${payload}`;
}

/** Server-sent events (spec §9.1): only on stream and status-sync, only when asked for, each with JSON data. */
function checkEvents(req: Request, body: string, where: () => string): void {
  const accept = String(req.headers['accept'] ?? '');
  if (!/text\/event-stream/i.test(accept) || !['stream', 'status-sync'].includes(req.route.name)) {
    throw new Error(`unasked event stream: ${where()}`);
  }
  for (const block of body.split('\n\n').filter((b) => b.trim() !== '' && !b.startsWith(':'))) {
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (!/^event: (status|stream|done)$/m.test(block) || data === undefined) throw new Error(`bad event: ${where()}`);
    JSON.parse(data);
  }
}

async function send(req: Request): Promise<void> {
  const res = await t.app.inject({
    method: req.method as 'GET',
    url: req.url,
    headers: req.headers,
    payload: req.payload,
  });
  const where = () => `${describeRequest(req)}\n→ ${res.statusCode} ${res.body.slice(0, 300)}`;
  const status = res.statusCode;
  if (!((status >= 200 && status < 300) || (status >= 400 && status < 500))) throw new Error(`status: ${where()}`);
  if (status >= 200 && status < 300 && status !== 200 && status !== 204) throw new Error(`2xx: ${where()}`);
  if (status === 204 || req.method === 'HEAD') return;
  if (/^text\/event-stream(;|$)/.test(String(res.headers['content-type']))) return checkEvents(req, res.body, where);
  if (!/^application\/json(;|$)/.test(String(res.headers['content-type']))) throw new Error(`type: ${where()}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    throw new Error(`not JSON: ${where()}`);
  }
  if (status >= 400 && typeof (parsed as { error?: unknown } | null)?.error !== 'string') {
    throw new Error(`no error string: ${where()}`);
  }
  if (status === 429 && !/^[1-9]\d*$/.test(String(res.headers['retry-after']))) throw new Error(`429: ${where()}`);
}

describe('bad input at every route', () => {
  it('fast-failing requests, one at a time', async () => {
    await fc.assert(
      fc.asyncProperty(request('fast'), (req) => send(req)),
      { numRuns: 1000 * SCALE },
    );
  });

  it('batches over every route, long-polls included, sent concurrently', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request('any'), { minLength: 20, maxLength: 40 }), async (reqs) => {
        // Every request settles before the verdict, so none is left running into the next batch.
        const failed = (await Promise.allSettled(reqs.map(send))).find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      }),
      { numRuns: 6 * SCALE, endOnFailure: true },
    );
  });

  it('survives the named nasties on every POST route', async () => {
    const payloads = [
      deepBody({ depth: 10_000, shape: 'array' }),
      `{"input":${deepBody({ depth: 10_000, shape: 'array' })}}`,
      `{"input":${deepBody({ depth: 100_000, shape: 'array' })}}`,
      `{"output":${deepBody({ depth: 100_000, shape: 'array' })}}`,
      `{"input":${deepBody({ depth: 1_000_000, shape: 'array' })}}`,
      `{"input":${deepBody({ depth: 100_000, shape: 'object' })}}`,
      Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0x69, 0x22, 0x3a, 0x31, 0x7d]),
      `{"input":"${'x'.repeat(5 * MB)}"}`,
    ];
    const posts = ROUTES.filter((r) => r.methods.includes('POST') && r.holds !== 'poll');
    for (const route of posts) {
      for (const payload of payloads) {
        const right = route.kind === 'worker' ? WORKER_KEY : CLIENT_KEY;
        let url = route.path('echo', known[5]!, 'w-known');
        if (route.holds === 'wait') url += '?wait=1000';
        await send({ method: 'POST', url, headers: { authorization: right }, payload, route });
      }
    }
  });
});

describe('nesting cap', () => {
  const client = { authorization: `Bearer ${CLIENT_KEY}` };
  const worker = { authorization: WORKER_KEY };
  /** `levels` arrays deep inside the body's own object: the body nests `levels + 1` deep. */
  const arrays = (levels: number) => '['.repeat(levels) + '7' + ']'.repeat(levels);
  const take = async () => {
    const res = await t.request('GET', '/v2/echo/job-take/nesting-worker', { headers: worker });
    expect(res.status).toBe(200);
    return res.json as { id: string; input: unknown };
  };

  it('carries a body MAX_JSON_DEPTH deep end to end and refuses one level more', async () => {
    await t.request('POST', '/v2/echo/purge-queue', { headers: client });
    const ok = arrays(MAX_JSON_DEPTH - 1);
    const run = await t.request('POST', '/v2/echo/run', { body: `{"input":${ok}}`, headers: client });
    expect(run.status).toBe(200);
    const job = await take();
    expect(JSON.stringify(job.input)).toBe(ok);
    const done = await t.request('POST', `/v2/echo/job-done/nesting-worker/${job.id}`, {
      body: `{"output":${ok}}`,
      headers: worker,
    });
    expect(done.status).toBe(200);
    const status = await t.request('GET', `/v2/echo/status/${job.id}`, { headers: client });
    expect(status.json.status).toBe('COMPLETED');
    expect(JSON.stringify(status.json.output)).toBe(ok);

    const deep = await t.request('POST', '/v2/echo/runsync', {
      body: `{"input":${arrays(MAX_JSON_DEPTH)}}`,
      headers: client,
    });
    expect(deep.status).toBe(400);
    expect(deep.json.error).toBe(`json is invalid; nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('fails a job whose worker posts a result nested too deep, as for any invalid result', async () => {
    await t.request('POST', '/v2/echo/purge-queue', { headers: client });
    await t.request('POST', '/v2/echo/run', { body: { input: 1 }, headers: client });
    const job = await take();
    const done = await t.request('POST', `/v2/echo/job-done/nesting-worker/${job.id}`, {
      body: `{"output":${arrays(MAX_JSON_DEPTH)}}`,
      headers: worker,
    });
    expect(done.status).toBe(400);
    const status = await t.request('GET', `/v2/echo/status/${job.id}`, { headers: client });
    expect(status.json).toMatchObject({ status: 'FAILED', error: 'worker posted an invalid result' });
  });
});

describe('after the abuse', () => {
  it('still serves run → take → done → status', async () => {
    const client = { authorization: `Bearer ${CLIENT_KEY}` };
    const worker = { authorization: WORKER_KEY };
    await t.request('POST', '/v2/echo/purge-queue', { headers: client });
    const run = await t.request('POST', '/v2/echo/run', { body: { input: { ok: true } }, headers: client });
    expect(run.status).toBe(200);
    const id = run.json.id as string;
    const take = await t.request('GET', '/v2/echo/job-take/flow-worker', { headers: worker });
    expect(take.status).toBe(200);
    expect(take.json).toEqual({ id, input: { ok: true } });
    const done = await t.request('POST', `/v2/echo/job-done/flow-worker/${id}?isStream=false`, {
      body: { output: { answer: 42 } },
      headers: worker,
    });
    expect(done.status).toBe(200);
    const status = await t.request('GET', `/v2/echo/status/${id}`, { headers: client });
    expect(status.json).toMatchObject({ id, status: 'COMPLETED', output: { answer: 42 } });
  });
});
