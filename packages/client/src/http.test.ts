// The client against a real node:http fake server: URLs, headers, error mapping, network failures, timeouts.
// The boundary rule on packages/client/src bans node:* for shipped code; tests run only in Node.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, SluiceClientError } from './index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function startServer(handler: Handler): Promise<{ origin: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  closers.push(close);
  return { origin: `http://127.0.0.1:${port}`, seen, close };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function failure(promise: Promise<unknown>): Promise<SluiceClientError> {
  const error = await promise.then(
    () => expect.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SluiceClientError);
  return error as SluiceClientError;
}

describe('requests', () => {
  it('drops trailing slashes, keeps a path prefix and encodes path segments', async () => {
    const server = await startServer((_req, res) => json(res, 200, { id: 'a/b?c', status: 'IN_QUEUE' }));
    const client = createClient({ baseUrl: `${server.origin}/sluice///` });
    expect(client.baseUrl).toBe(`${server.origin}/sluice`);
    await client.endpoint('my ep/1').status('a/b?c', { ttl: 5000 });
    expect(server.seen[0]).toMatchObject({ method: 'GET', url: '/sluice/v2/my%20ep%2F1/status/a%2Fb%3Fc?ttl=5000' });
  });

  it('sends the bearer key, JSON headers and the idempotency key', async () => {
    const server = await startServer((_req, res) => json(res, 200, { id: 'j1', status: 'IN_QUEUE' }));
    const ep = createClient({ baseUrl: server.origin, apiKey: 'sk-1' }).endpoint('echo');
    await ep.run({ prompt: 'hé' }, { idempotencyKey: 'key-1' });
    await ep.status('j1');
    const [post, get] = server.seen;
    expect(post!.headers).toMatchObject({
      authorization: 'Bearer sk-1',
      accept: 'application/json',
      'content-type': 'application/json',
      'idempotency-key': 'key-1',
    });
    expect(JSON.parse(post!.body)).toEqual({ input: { prompt: 'hé' } });
    expect(get!.headers.authorization).toBe('Bearer sk-1');
    expect(get!.headers['content-type']).toBeUndefined();
    expect(get!.headers['idempotency-key']).toBeUndefined();
    expect(get!.body).toBe('');
  });

  it('sends no Authorization header without an apiKey', async () => {
    const server = await startServer((_req, res) => json(res, 200, { removed: 0, status: 'completed' }));
    await createClient({ baseUrl: server.origin }).endpoint('echo').purgeQueue();
    expect(server.seen[0]!.headers.authorization).toBeUndefined();
    expect(server.seen[0]!.body).toBe('');
  });

  it('rejects a baseUrl that is not an absolute http(s) URL, and empty ids', () => {
    expect(() => createClient({ baseUrl: 'localhost:8080' })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'ftp://host' })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'http://host/?x=1' })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'http://host', timeoutMs: 0 })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: 'http://host' }).endpoint('')).toThrow(TypeError);
  });
});

describe('error mapping', () => {
  it('maps a JSON error to its status, code, message and body', async () => {
    const body = { error: 'request does not exist', code: 'ERR_JOB_NOT_FOUND' };
    const server = await startServer((_req, res) => json(res, 404, body));
    const error = await failure(createClient({ baseUrl: server.origin }).endpoint('echo').status('nope'));
    expect(error).toMatchObject({ status: 404, code: 'ERR_JOB_NOT_FOUND', message: 'request does not exist', body });
  });

  it('uses ERR_CLIENT_HTTP for a JSON error without a code', async () => {
    const server = await startServer((_req, res) => json(res, 401, { error: 'unauthorized' }));
    const error = await failure(createClient({ baseUrl: server.origin }).endpoint('echo').health());
    expect(error).toMatchObject({ status: 401, code: 'ERR_CLIENT_HTTP', message: 'unauthorized' });
  });

  it('maps a non-JSON 502 from a proxy', async () => {
    const page = '<html>Bad Gateway</html>';
    const server = await startServer((_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end(page));
    const error = await failure(createClient({ baseUrl: server.origin }).endpoint('echo').health());
    expect(error).toMatchObject({ status: 502, code: 'ERR_CLIENT_BAD_RESPONSE', body: page });
    expect(error.message).toMatch(/HTTP 502/);
  });

  it('rejects a 200 answer that is not JSON, or not the promised shape', async () => {
    const server = await startServer((req, res) =>
      req.url.includes('status') ? res.writeHead(200).end('ok') : json(res, 200, { hello: 1 }),
    );
    const ep = createClient({ baseUrl: server.origin }).endpoint('echo');
    expect(await failure(ep.status('j1'))).toMatchObject({ status: 200, code: 'ERR_CLIENT_BAD_RESPONSE', body: 'ok' });
    expect(await failure(ep.cancel('j1'))).toMatchObject({ status: 200, code: 'ERR_CLIENT_BAD_RESPONSE' });
  });

  it('maps a refused connection to ERR_CLIENT_NETWORK', async () => {
    const server = await startServer(() => undefined);
    await server.close();
    const error = await failure(createClient({ baseUrl: server.origin }).endpoint('echo').health());
    expect(error).toMatchObject({ status: 0, code: 'ERR_CLIENT_NETWORK' });
    expect(error.cause).toBeDefined();
  });

  it('times out a server that never answers', async () => {
    const server = await startServer(() => undefined);
    const client = createClient({ baseUrl: server.origin, timeoutMs: 100 });
    const error = await failure(client.endpoint('echo').health());
    expect(error).toMatchObject({ status: 0, code: 'ERR_CLIENT_TIMEOUT' });
    expect(error.message).toMatch(/timed out after 100 ms/);
  });

  it('times out a server that stalls in the middle of its answer', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"id":');
    });
    const error = await failure(createClient({ baseUrl: server.origin, timeoutMs: 100 }).endpoint('echo').status('j'));
    expect(error).toMatchObject({ status: 0, code: 'ERR_CLIENT_TIMEOUT' });
  });

  it("reports the caller's abort as ERR_CLIENT_ABORTED", async () => {
    const server = await startServer(() => undefined);
    const controller = new AbortController();
    const pending = createClient({ baseUrl: server.origin })
      .endpoint('echo')
      .statusSync('j1', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await failure(pending)).toMatchObject({ status: 0, code: 'ERR_CLIENT_ABORTED' });
  });
});

describe('long-polling against a server', () => {
  it('streams items once and in order from a consume-once server', async () => {
    // A tiny /stream: one cursor, items arrive over time, the job completes after the last one.
    const items = [{ output: 'a' }, { output: 'b' }, { output: 'c' }];
    let produced = 0;
    let delivered = 0;
    const server = await startServer((_req, res) => {
      setTimeout(() => {
        produced = Math.min(items.length, produced + 1);
        const done = produced === items.length;
        json(res, 200, {
          id: 'j1',
          status: done ? 'COMPLETED' : 'IN_PROGRESS',
          stream: items.slice(delivered, produced),
        });
        delivered = produced;
      }, 5);
    });
    const stream = createClient({ baseUrl: server.origin }).endpoint('echo').stream('j1', { wait: 1000 });
    const seen: unknown[] = [];
    for await (const item of stream) seen.push(item);
    expect(seen).toEqual(items);
    expect(await stream.result).toEqual({ id: 'j1', status: 'COMPLETED' });
    expect(server.seen.map((r) => r.url)).toEqual(Array(3).fill('/v2/echo/stream/j1?wait=1000'));
  });
});
