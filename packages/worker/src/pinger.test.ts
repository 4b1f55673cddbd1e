// Heartbeats (spec §6.7): through start() against the fake worker API, and the Pinger on its own against
// plain servers (failures, timeouts, https, stop).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InFlightJobs } from './in-flight.js';
import { Pinger } from './pinger.js';
import { FakeWorkerApi } from './testing/fake-worker-api.js';
import { epochNow, PingRecorder } from './testing/ping-recorder.js';
import { memoryLogger, runWorker, type RunningWorker } from './testing/run-worker.js';
import { TLS_CERT, TLS_KEY } from './testing/tls-fixture.js';
import { buildWorkerUrls } from './urls.js';

let api: FakeWorkerApi;
let worker: RunningWorker | undefined;
let recorder: PingRecorder | undefined;

beforeEach(async () => {
  api = await FakeWorkerApi.start();
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await recorder?.close();
  recorder = undefined;
  await api.close();
});

describe('pings', () => {
  it('carry the ids in flight (comma-joined), the version and the raw token', async () => {
    api.enqueue({ id: 'j1', input: {} }, { id: 'j2', input: {} });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    worker = runWorker(api, { concurrency: 2, handler: () => held.then(() => 'ok') });
    const busy = await api.waitFor((r) => r.route === 'ping' && r.query.get('job_id') === 'j1,j2');
    expect(busy.workerId).toBe('w1');
    expect(busy.query.get('runpod_version')).toBe('1.12.0-sluice');
    expect(busy.query.get('gpu')).toBe('cpu');
    expect(busy.headers['authorization']).toBe('worker-token');
    release();
    await api.waitForResult('j2');
    await api.waitForResult('j1');
    // Once both results are delivered, pings go out without job_id (a ping already under way may still list them).
    const idle = await api.waitFor((r) => r.route === 'ping' && !r.query.has('job_id') && r.at > busy.at);
    expect(idle.query.get('runpod_version')).toBe('1.12.0-sluice');
  });

  it('go on while a synchronous-looking handler keeps the job busy', async () => {
    api.enqueue({ id: 'j1', input: {} });
    let release!: () => void;
    worker = runWorker(api, { handler: () => new Promise<string>((resolve) => (release = () => resolve('ok'))) });
    await api.waitFor(() => api.of('ping').filter((r) => r.query.get('job_id') === 'j1').length >= 3);
    release();
    await api.waitForResult('j1');
  });

  it('go on while the handler blocks the main thread with synchronous work', async () => {
    // The fake API shares the blocked thread and would only see the pings afterwards: these go to a
    // server on a thread of its own, which notes when each one arrived.
    recorder = await PingRecorder.start();
    api.enqueue({ id: 'j1', input: {} });
    // The handler spins until the recorder has counted pings that arrived during the block, rather than for
    // a fixed time a loaded machine may not give the ping thread a turn in; the deadline only ends a failure.
    const giveUpMs = 20_000;
    let blocked: { from: number; until: number } | undefined;
    worker = runWorker(api, {
      env: api.env('w1', { RUNPOD_WEBHOOK_PING: recorder.pingTemplate }),
      timings: { pingIntervalMs: 100 },
      handler: () => {
        const from = epochNow();
        // One ping may straddle 'from' (arrived before it, counted after): one more than the two asserted.
        const enough = recorder!.arrived + 3;
        while (recorder!.arrived < enough && epochNow() - from < giveUpMs) {
          // CPU-bound work: nothing else runs on this thread meanwhile.
        }
        blocked = { from, until: epochNow() };
        return 'ok';
      },
    });
    await api.waitForResult('j1', giveUpMs + 5000);
    const { from, until } = blocked!;
    // Messages keep their order, so once a later ping is in, every ping of the block has been recorded.
    await recorder.waitFor((ping) => ping.at > until, 10_000);
    const during = recorder.pings.filter((ping) => ping.jobIds.includes('j1') && ping.at > from && ping.at < until);
    expect(during.length).toBeGreaterThanOrEqual(2);
    expect(during[0]?.authorization).toBe('worker-token');
  }, 40_000);

  it('are not sent without RUNPOD_POD_ID, and the worker uses a random id', async () => {
    const env = api.env(null);
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { env, handler: () => 'ok' });
    const done = await api.waitForResult('j1');
    expect(done.workerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(api.of('ping')).toHaveLength(0);
  });

  it('are not sent without RUNPOD_AI_API_KEY, and requests carry no Authorization', async () => {
    const env = api.env();
    delete env['RUNPOD_AI_API_KEY'];
    api.enqueue({ id: 'j1', input: {} });
    worker = runWorker(api, { env, handler: () => 'ok' });
    const done = await api.waitForResult('j1');
    expect(done.headers['authorization']).toBeUndefined();
    expect(api.of('ping')).toHaveLength(0);
  });
});

interface Received {
  url: string;
  /** Date.now() on arrival. */
  at: number;
  headers: IncomingMessage['headers'];
  socket: Socket;
}

/** A server on this thread that records each ping and answers it through `answer` (never, if it does nothing). */
async function startServer(
  server: Server,
  answer: (res: ServerResponse) => void,
  scheme = 'http',
): Promise<{ base: string; received: Received[] }> {
  const received: Received[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    received.push({ url: req.url ?? '', at: Date.now(), headers: req.headers, socket: req.socket });
    answer(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { base: `${scheme}://127.0.0.1:${port}`, received };
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Pinger', () => {
  let server: Server | undefined;
  let pinger: Pinger | undefined;
  const log = memoryLogger();
  const inFlight = new InFlightJobs();

  function startPinger(base: string, intervalMs = 50): Pinger {
    const urls = buildWorkerUrls(
      { jobTake: `${base}/job-take/$ID`, jobDone: `${base}/job-done`, ping: `${base}/ping/$RUNPOD_POD_ID` },
      'w1',
    );
    pinger = new Pinger({ apiKey: 'k', urls, inFlight, log, intervalMs });
    pinger.start();
    return pinger;
  }

  afterEach(async () => {
    await pinger?.stop();
    pinger = undefined;
    log.lines.length = 0;
    for (const id of inFlight.ids()) inFlight.remove(id);
    vi.unstubAllEnvs();
    server?.closeAllConnections();
    if (server) await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  it('pings over https: and follows the jobs in flight', async () => {
    // The fixture certificate is self-signed; the thread copies this environment when it starts.
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    server = createTlsServer({ key: TLS_KEY, cert: TLS_CERT });
    const { base, received } = await startServer(server, (res) => res.end('{}'), 'https');
    startPinger(base);
    inFlight.add('j1');
    await waitUntil(() => received.some((r) => r.url.includes('job_id=j1&')));
    inFlight.add('j2');
    await waitUntil(() => received.some((r) => r.url.includes('job_id=j1%2Cj2&')));
    inFlight.remove('j1');
    inFlight.remove('j2');
    const last = received.length;
    await waitUntil(() => received.slice(last).some((r) => !r.url.includes('job_id')));
    expect(received[0]?.url).toMatch(/^\/ping\/w1\?(job_id=[^&]+&)?runpod_version=1\.12\.0-sluice$/);
    expect(received[0]?.headers['authorization']).toBe('k');
    // Kept alive: one connection for all of them.
    expect(new Set(received.map((r) => r.socket)).size).toBe(1);
  });

  it('follows a job list whose URL outgrows the memory it shares with the thread', async () => {
    server = createServer();
    const { base, received } = await startServer(server, (res) => res.end('{}'));
    startPinger(base);
    await waitUntil(() => received.length > 0);
    // 100 ids of 40 characters: a URL of about 5 KB, past the shared buffer's first 2 KB.
    const ids = Array.from({ length: 100 }, (_, i) => `job-${String(i).padStart(36, '0')}`);
    for (const id of ids) inFlight.add(id);
    await waitUntil(() => received.some((r) => r.url.includes(`job_id=${ids.join('%2C')}&`)));
  });

  it('logs a non-200 answer at debug level', async () => {
    server = createServer();
    const { base } = await startServer(server, (res) => res.writeHead(503).end('{}'));
    startPinger(base);
    await waitUntil(() => log.lines.includes('debug ping answered HTTP 503'));
  });

  it('warns when a ping fails', async () => {
    server = createServer();
    const { base } = await startServer(server, (res) => res.end('{}'));
    // Nothing listens on that port any more.
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    startPinger(base);
    await waitUntil(() => log.lines.some((line) => line.startsWith('warn ping failed: Error: connect ECONNREFUSED')));
  });

  it('gives a ping up after two intervals (at least 1 s) and never sends two at once', async () => {
    server = createServer();
    const { base, received } = await startServer(server, () => {});
    // Measured from before the first ping could be sent, not from its arrival: a loaded machine may deliver
    // the first one late and the second one promptly, which would shrink the gap between arrivals.
    const started = Date.now();
    startPinger(base);
    await waitUntil(() => received.length === 2, 10_000);
    expect(log.lines[0]).toBe('warn ping failed: TimeoutError: request timed out after 1000 ms');
    // Twenty intervals went by with the first ping unanswered, and none other was sent meanwhile.
    expect(received[1]!.at - started).toBeGreaterThanOrEqual(990);
  });

  it('starts another thread when the ping thread dies, and pings go on', async () => {
    server = createServer();
    const { base, received } = await startServer(server, (res) => res.end('{}'));
    const running = startPinger(base);
    await waitUntil(() => received.length >= 1);
    // The thread is private: reach in to kill it the way a crash would.
    await (running as unknown as { thread: { terminate(): Promise<number> } }).thread.terminate();
    const before = received.length;
    await waitUntil(() => log.lines.some((line) => line.startsWith('error the ping thread exited')));
    await waitUntil(() => received.length >= before + 2);
  });

  it('stop() ends the thread and drops the ping under way, quietly', async () => {
    server = createServer();
    const { base, received } = await startServer(server, () => {});
    startPinger(base);
    await waitUntil(() => received.length === 1);
    const closed = once(received[0]!.socket, 'close');
    await pinger?.stop();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(received).toHaveLength(1);
    expect(log.lines).toEqual([]);
  });
});
