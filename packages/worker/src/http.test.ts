import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient, type HttpClient } from './http.js';
import { TLS_CERT, TLS_KEY } from './testing/tls-fixture.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socket: Socket;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen) => void;

/** A real node:http server that records each request (with its socket) and answers through `handler`. */
async function startServer(
  server: Server,
  scheme = 'http',
): Promise<{ url: string; seen: Seen[]; handle: (h: Handler) => void }> {
  const seen: Seen[] = [];
  let handler: Handler = (_req, res, request) => res.end(`${request.method} ${request.url} ${request.body}`);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: req.socket,
      };
      seen.push(request);
      handler(req, res, request);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `${scheme}://127.0.0.1:${port}`, seen, handle: (h) => (handler = h) };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createHttpClient over http:', () => {
  let server: Server;
  let base: string;
  let seen: Seen[];
  let handle: (h: Handler) => void;
  let client: HttpClient;

  beforeEach(async () => {
    server = createServer();
    ({ url: base, seen, handle } = await startServer(server));
    client = createHttpClient({ apiKey: 'worker-token', timeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    await stopServer(server);
  });

  it('GETs with the raw token and no body headers', async () => {
    await expect(client.get(`${base}/v2/ep/ping/w1?gpu=cpu`)).resolves.toEqual({
      status: 200,
      text: 'GET /v2/ep/ping/w1?gpu=cpu ',
    });
    expect(seen[0]?.headers['authorization']).toBe('worker-token');
    expect(seen[0]?.headers['content-type']).toBeUndefined();
  });

  it('POSTs JSON with its byte length, and decodes a UTF-8 answer split mid-character', async () => {
    handle((_req, res) => {
      const bytes = Buffer.from('{"output":"é✓"}');
      res.write(bytes.subarray(0, 12)); // ends inside "é"
      setTimeout(() => res.end(bytes.subarray(12)), 20);
    });
    const body = '{"output":"héllo ✓"}';
    await expect(client.post(`${base}/job-done`, body)).resolves.toEqual({ status: 200, text: '{"output":"é✓"}' });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
    expect(seen[0]?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen[0]?.body).toBe(body);
  });

  it('passes any status through, and sends no Authorization without a key', async () => {
    handle((_req, res) => res.writeHead(503).end('{"error":"busy"}'));
    const anonymous = createHttpClient({ timeoutMs: 2000 });
    try {
      await expect(anonymous.get(`${base}/x`)).resolves.toEqual({ status: 503, text: '{"error":"busy"}' });
      expect(seen[0]?.headers['authorization']).toBeUndefined();
    } finally {
      anonymous.close();
    }
  });

  it('reuses one connection for sequential requests', async () => {
    await client.get(`${base}/a`);
    await client.post(`${base}/b`, '{}');
    await client.get(`${base}/c`);
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it('times out while waiting for headers, and also mid-body', async () => {
    handle(() => {}); // never answers
    await expect(client.get(`${base}/hold`, { timeoutMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'request timed out after 50 ms',
    });
    handle((_req, res) => res.writeHead(200).write('{"id":')); // headers, then nothing
    await expect(client.get(`${base}/half`, { timeoutMs: 80 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('uses the client default timeout', async () => {
    const quick = createHttpClient({ timeoutMs: 40 });
    handle(() => {});
    try {
      await expect(quick.get(`${base}/hold`)).rejects.toThrow('request timed out after 40 ms');
    } finally {
      quick.close();
    }
  });

  it('rejects with the signal reason when aborted before headers, and drops the connection', async () => {
    handle(() => {});
    const controller = new AbortController();
    const pending = client.get(`${base}/hold`, { signal: controller.signal });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    const closed = once(seen[0]!.socket, 'close');
    const reason = new DOMException('worker stopped', 'AbortError');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await closed; // a held job-take must end on the server too, so it hands the job to no one
  });

  it('sends nothing when the signal is already aborted', async () => {
    await expect(client.get(`${base}/x`, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await wait(20);
    expect(seen).toHaveLength(0);
  });

  it('reads the whole body when the signal aborts after the headers', async () => {
    const controller = new AbortController();
    handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"id":"j1",');
      // Generous: the headers must have reached the client before the abort.
      setTimeout(() => controller.abort(), 100);
      setTimeout(() => res.end('"input":{}}'), 150);
    });
    await expect(client.get(`${base}/job-take`, { signal: controller.signal })).resolves.toEqual({
      status: 200,
      text: '{"id":"j1","input":{}}',
    });
  });

  it('rejects as a network error when the server cuts an answer short', async () => {
    handle((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' }).write('{"id":');
      setTimeout(() => res.destroy(), 20);
    });
    const error: unknown = await client.get(`${base}/x`).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).not.toMatch(/TimeoutError|AbortError/);
  });

  it('rejects when nothing listens', async () => {
    await stopServer(server);
    await expect(client.get(`${base}/x`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    server = createServer(); // for afterEach
  });

  it('reconnects after the server closed an idle kept-alive connection', async () => {
    await client.get(`${base}/a`);
    server.closeIdleConnections();
    await wait(20);
    await expect(client.get(`${base}/b`)).resolves.toMatchObject({ status: 200 });
    expect(seen[0]?.socket).not.toBe(seen[1]?.socket);
  });

  it('retries once on a fresh connection when a reused one is dropped before any answer', async () => {
    // The race a keep-alive timeout creates: the server closes the socket as our next request arrives.
    const served = new Set<Socket>();
    handle((_req, res, request) => {
      if (served.has(request.socket)) return request.socket.destroy();
      served.add(request.socket);
      res.end('ok');
    });
    await client.get(`${base}/a`);
    await expect(client.post(`${base}/b`, '{"status":"IN_PROGRESS"}')).resolves.toEqual({ status: 200, text: 'ok' });
    expect(seen.map((s) => s.url)).toEqual(['/a', '/b', '/b']);
    expect(seen[2]?.socket).not.toBe(seen[0]?.socket);
  });

  it('does not retry a request that failed on a fresh connection', async () => {
    handle((_req, _res, request) => request.socket.destroy());
    await expect(client.get(`${base}/x`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen).toHaveLength(1);
  });

  it('works again after close()', async () => {
    await client.get(`${base}/a`);
    const first = seen[0]!.socket;
    const closed = once(first, 'close');
    client.close();
    await closed;
    await expect(client.get(`${base}/b`)).resolves.toMatchObject({ status: 200 });
  });
});

describe('createHttpClient over https:', () => {
  let server: Server;
  let base: string;
  let seen: Seen[];
  let client: HttpClient;

  beforeEach(async () => {
    server = createTlsServer({ key: TLS_KEY, cert: TLS_CERT });
    ({ url: base, seen } = await startServer(server, 'https'));
    client = createHttpClient({ apiKey: 'worker-token', timeoutMs: 2000 });
  });

  afterEach(async () => {
    client.close();
    vi.unstubAllEnvs();
    await stopServer(server);
  });

  it('verifies the server certificate', async () => {
    await expect(client.get(`${base}/x`)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(seen).toHaveLength(0);
  });

  it('round-trips over one kept-alive TLS connection', async () => {
    // The fixture certificate is self-signed, and the client takes no CA option; this stub is Node's own.
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    await expect(client.post(`${base}/job-done`, '{}')).resolves.toEqual({ status: 200, text: 'POST /job-done {}' });
    await expect(client.get(`${base}/ping`)).resolves.toEqual({ status: 200, text: 'GET /ping ' });
    expect(seen[0]?.headers['authorization']).toBe('worker-token');
    expect(seen[0]?.socket).toBe(seen[1]?.socket);
  });
});
