import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './post-json.js';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;

async function receiver(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const signal = () => new AbortController().signal;

describe('postJson', () => {
  it('POSTs the body with the given headers and resolves with the status once the answer is read', async () => {
    const { port, received } = await receiver((_req, res) => res.writeHead(204).end());
    const body = '{"id":"j1","text":"héllo"}';
    const status = await postJson({
      url: new URL(`http://127.0.0.1:${port}/hook?token=t`),
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'sluice/test' },
      signal: signal(),
    });
    expect(status).toBe(204);
    expect(received).toEqual([
      {
        url: '/hook?token=t',
        body,
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'user-agent': 'sluice/test',
          'content-length': String(Buffer.byteLength(body)),
        }),
      },
    ]);
  });

  it('does not follow a redirect: the 3xx is the answer', async () => {
    const { port, received } = await receiver((req, res) => {
      if (req.url === '/old') res.writeHead(307, { location: `http://127.0.0.1:${port}/new` }).end();
      else res.writeHead(200).end();
    });
    const status = await postJson({
      url: new URL(`http://127.0.0.1:${port}/old`),
      body: '{}',
      headers: {},
      signal: signal(),
    });
    expect(status).toBe(307);
    expect(received.map((r) => r.url)).toEqual(['/old']);
  });

  it('connects to the pinned addresses instead of resolving the host again', async () => {
    const { port, received } = await receiver((_req, res) => res.writeHead(200).end('ok'));
    const status = await postJson({
      url: new URL(`http://hooks.invalid:${port}/x`),
      body: '{}',
      headers: {},
      signal: signal(),
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(status).toBe(200);
    expect(received[0]?.headers.host).toBe(`hooks.invalid:${port}`);
  });

  it('rejects when aborted while the receiver holds the answer', async () => {
    const { port } = await receiver(() => undefined);
    const abort = new AbortController();
    const posting = postJson({
      url: new URL(`http://127.0.0.1:${port}/slow`),
      body: '{}',
      headers: {},
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 50);
    await expect(posting).rejects.toThrow();
  });

  it('rejects on a refused connection', async () => {
    const { port } = await receiver(() => undefined);
    server?.close();
    await expect(
      postJson({ url: new URL(`http://127.0.0.1:${port}/`), body: '{}', headers: {}, signal: signal() }),
    ).rejects.toThrow();
  });
});
