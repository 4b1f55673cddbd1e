import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from './http.js';
import { JobReporter } from './job-reporter.js';
import { ResultBatcher } from './result-batcher.js';
import { memoryLogger } from './testing/run-worker.js';
import { buildWorkerUrls, type WorkerUrls } from './urls.js';

interface Seen {
  url: string;
  contentType: string | undefined;
  body: string;
}

type Answer = { status: number; body: string };
/** Answers one job-done-batch request; `items` is its parsed body. */
type BatchAnswer = (items: Array<{ id: string }>) => Answer;

const allAccepted: BatchAnswer = (items) => ({
  status: 200,
  body: JSON.stringify({ results: items.map(({ id }) => ({ id, status: 200 })) }),
});

let server: Server;
let seen: Seen[];
let batchAnswers: BatchAnswer[];
let http: HttpClient;
let urls: WorkerUrls;
let log: ReturnType<typeof memoryLogger>;
let hardStop: AbortController;
let batcher: ResultBatcher;

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const url = req.url ?? '';
  seen.push({ url, contentType: req.headers['content-type'], body });
  const { status, body: text } = url.includes('/job-done-batch/')
    ? (batchAnswers.shift() ?? allAccepted)(JSON.parse(body) as Array<{ id: string }>)
    : { status: 200, body: '{}' };
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
}

beforeEach(async () => {
  seen = [];
  batchAnswers = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/ep`;
  urls = buildWorkerUrls(
    {
      jobTake: `${base}/job-take/$ID?gpu=cpu`,
      jobDone: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      jobDoneBatch: `${base}/job-done-batch/$RUNPOD_POD_ID?gpu=cpu`,
    },
    'w1',
  );
  http = createHttpClient({ timeoutMs: 2000 });
  log = memoryLogger();
  hardStop = new AbortController();
  batcher = newBatcher([20, 30]);
});

afterEach(async () => {
  hardStop.abort();
  http.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function newBatcher(retryDelaysMs: readonly number[]): ResultBatcher {
  return new ResultBatcher({ http, url: urls.jobDoneBatch!, log, retryDelaysMs, hardStop: hardStop.signal });
}

function reporter(jobId: string, jobSignal = new AbortController().signal): JobReporter {
  return new JobReporter(jobId, {
    http,
    urls,
    log,
    retryDelaysMs: [20, 30],
    jobSignal,
    hardStop: hardStop.signal,
    batcher,
  });
}

/** Posts `{"output": n}` for jobs j1..jN in one event-loop turn, as jobs finishing together do. */
function finishTogether(count: number, first = 1): Promise<void[]> {
  const ids = Array.from({ length: count }, (_, i) => first + i);
  return Promise.all(ids.map((n) => reporter(`j${n}`).final(`{"output":${n}}`, false)));
}

const batches = () => seen.filter((s) => s.url.includes('/job-done-batch/'));
const singles = () => seen.filter((s) => s.url.includes('/job-done/'));
const batchIds = (s: Seen) => (JSON.parse(s.body) as Array<{ id: string }>).map((item) => item.id);

describe('ResultBatcher through JobReporter', () => {
  it('sends results finished in one turn as one job-done-batch request', async () => {
    await Promise.all([
      reporter('j1').final('{"output":1}', false),
      reporter('j"2').final('{"output":[]}', true),
      reporter('j3').final('{"error":"boom"}', false),
    ]);
    expect(seen).toEqual([
      {
        url: '/v2/ep/job-done-batch/w1?gpu=cpu',
        contentType: 'application/json',
        body:
          '[{"id":"j1","isStream":false,"result":{"output":1}},' +
          '{"id":"j\\"2","isStream":true,"result":{"output":[]}},' +
          '{"id":"j3","isStream":false,"result":{"error":"boom"}}]',
      },
    ]);
    expect(log.lines.filter((l) => l.includes('result posted'))).toHaveLength(3);
  });

  it('posts a result alone in its turn to job-done, exactly as without batching', async () => {
    await reporter('j1').final('{"output":1}', true);
    expect(seen).toEqual([
      { url: '/v2/ep/job-done/w1/j1?gpu=cpu&isStream=true', contentType: 'application/json', body: '{"output":1}' },
    ]);
  });

  it('sends a result over 64 KiB alone and batches the rest', async () => {
    const big = `{"output":"${'x'.repeat(64 * 1024)}"}`;
    await Promise.all([finishTogether(2), reporter('big').final(big, false)]);
    expect(singles().map((s) => [s.url, s.body])).toEqual([['/v2/ep/job-done/w1/big?gpu=cpu&isStream=false', big]]);
    expect(batches().map(batchIds)).toEqual([['j1', 'j2']]);
  });

  it('starts another request after 64 results, and a lone leftover goes to job-done', async () => {
    await finishTogether(65);
    expect(batches().map((s) => batchIds(s).length)).toEqual([64]);
    expect(singles().map((s) => s.url)).toEqual(['/v2/ep/job-done/w1/j65?gpu=cpu&isStream=false']);
  });

  it('starts another request before 1 MiB of results', async () => {
    const text = (n: number) => `{"output":"${String(n).padEnd(60 * 1024 - 13, '.')}"}`; // 60 KiB each
    expect(Buffer.byteLength(text(10))).toBe(60 * 1024);
    const ids = Array.from({ length: 20 }, (_, i) => i + 1);
    await Promise.all(ids.map((n) => reporter(`j${n}`).final(text(n), false)));
    // 17 × 60 KiB fit in 1 MiB, 18 do not; the two requests may arrive in either order.
    expect(
      batches()
        .map((s) => batchIds(s).length)
        .sort((a, b) => b - a),
    ).toEqual([17, 3]);
  });

  it('reads each result’s own answer: 404 warns, another 4xx is an error, the rest are posted', async () => {
    batchAnswers.push(() => ({
      status: 200,
      body: JSON.stringify({
        results: [
          { id: 'j1', status: 200 },
          { id: 'j2', status: 404, error: 'request does not exist' },
          { id: 'j3', status: 400, error: 'result must be a JSON object' },
        ],
      }),
    }));
    await finishTogether(3);
    expect(seen).toHaveLength(1);
    expect(log.lines.filter((l) => !l.startsWith('debug'))).toEqual([
      'warn j2 result not accepted: the server no longer knows this job',
      'error j3 result not delivered after 1 attempt(s): HTTP 400 (result must be a JSON object)',
    ]);
    expect(log.lines).toContain('debug j1 result posted');
  });

  it.each([404, 405])('after a %i for the whole batch, posts results one by one for good', async (status) => {
    batchAnswers.push(() => ({ status, body: '{"error":"route not found"}' }));
    await finishTogether(2);
    await finishTogether(3, 3);
    expect(batches()).toHaveLength(1);
    expect(
      singles()
        .map((s) => s.url.split('?')[0])
        .sort(),
    ).toEqual(['j1', 'j2', 'j3', 'j4', 'j5'].map((id) => `/v2/ep/job-done/w1/${id}`));
    expect(log.lines.filter((l) => l.includes('result posted'))).toHaveLength(5);
  });

  it.each([413, 400])('after a %i, posts that batch’s results one by one and keeps batching', async (status) => {
    batchAnswers.push(() => ({ status, body: '{"error":"no"}' }));
    await finishTogether(2);
    expect(
      singles()
        .map((s) => s.body)
        .sort(),
    ).toEqual(['{"output":1}', '{"output":2}']);
    await finishTogether(2, 3);
    expect(batches().map(batchIds)).toEqual([
      ['j1', 'j2'],
      ['j3', 'j4'],
    ]);
    expect(singles()).toHaveLength(2);
  });

  it('posts results one by one when the answer does not match the batch', async () => {
    batchAnswers.push(() => ({ status: 200, body: '{"results":[{"id":"j2","status":200},{"id":"j1","status":200}]}' }));
    await finishTogether(2);
    expect(singles()).toHaveLength(2);
  });

  it('retries a 5xx or a 429 with the job-done delays, re-sending the same batch', async () => {
    batchAnswers.push(
      () => ({ status: 503, body: '{}' }),
      () => ({ status: 429, body: '{}' }),
    );
    await finishTogether(2);
    expect(batches()).toHaveLength(3);
    expect(new Set(batches().map((s) => s.body)).size).toBe(1);
    expect(singles()).toEqual([]);
    expect(log.lines.filter((l) => l.includes('result posted'))).toHaveLength(2);
  });

  it('gives up on a batch as on a job-done after three attempts', async () => {
    batchAnswers.push(...[1, 2, 3].map(() => () => ({ status: 500, body: '{}' })));
    await finishTogether(2);
    expect(batches()).toHaveLength(3);
    expect(singles()).toEqual([]);
    expect(log.lines.filter((l) => !l.startsWith('debug'))).toEqual([
      'error j1 result not delivered after 3 attempt(s): HTTP 500',
      'error j2 result not delivered after 3 attempt(s): HTTP 500',
    ]);
  });

  it('stops retrying a batch when the worker gives up', async () => {
    batcher = newBatcher([60_000]);
    batchAnswers.push(() => {
      hardStop.abort();
      return { status: 503, body: '{}' };
    });
    await finishTogether(2);
    expect(batches()).toHaveLength(1);
    expect(log.lines.filter((l) => l.startsWith('error'))).toHaveLength(2);
  });

  it('leaves out a job stopped while its result waited for the batch', async () => {
    const stopped = new AbortController();
    const submit = (jobId: string, jobSignal: AbortSignal) =>
      batcher.submit({ jobId, isStream: false, text: '{"output":1}', jobSignal });
    const results = [
      submit('j1', new AbortController().signal),
      submit('j2', stopped.signal),
      submit('j3', new AbortController().signal),
    ];
    stopped.abort();
    const [first, second, third] = await Promise.all(results);
    expect(second).toBeUndefined(); // the reporter posts nothing for a stopped job
    expect(first).toMatchObject({ ok: true, status: 200 });
    expect(third).toMatchObject({ ok: true, status: 200 });
    expect(batches().map(batchIds)).toEqual([['j1', 'j3']]);
  });
});
