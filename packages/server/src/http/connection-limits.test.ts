// A slow request body cannot hold a socket past `server.requestTimeoutMs`, a held answer may take longer, and
// `server.maxConnections` bounds open sockets (issue #12 item 10). Real sockets on a listening app.
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type SluiceApp } from '../app.js';
import { resolveConfig } from '../config/load-config.js';
import { openSqliteJobStore, type SqliteJobStore } from '../store/sqlite/sqlite-job-store.js';

let dir: string;
let store: SqliteJobStore;
let sluice: SluiceApp;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  sluice.endHolds();
  await sluice.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listen(server: Record<string, unknown>): Promise<number> {
  dir = mkdtempSync(join(tmpdir(), 'sluice-limits-'));
  store = openSqliteJobStore({ path: join(dir, 'sluice.db') });
  sluice = createApp({ store, config: resolveConfig({ server, endpoints: { echo: {} } }), logger: false });
  await sluice.app.listen({ host: '127.0.0.1', port: 0 });
  const address = sluice.app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Opens a socket, writes `head`, and resolves with everything received once the server closes it. */
function exchange(port: number, head: string): { closed: Promise<string>; socket: Socket } {
  const socket = connect(port, '127.0.0.1', () => socket.write(head));
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(received))) };
}

describe('connection limits', () => {
  it('answers 408 and closes a request whose body does not arrive within requestTimeoutMs', async () => {
    const port = await listen({ requestTimeoutMs: 1000 });
    const started = Date.now();
    const { closed } = exchange(
      port,
      'POST /v2/echo/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"in',
    );
    expect(await closed).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('still holds a long-poll past requestTimeoutMs', async () => {
    const port = await listen({ requestTimeoutMs: 1000 });
    const id = (await sluice.app.inject({ method: 'POST', url: '/v2/echo/run', payload: { input: 1 } })).json<{
      id: string;
    }>().id;
    const { socket, closed } = exchange(
      port,
      `GET /v2/echo/status-sync/${id}?wait=2500 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const answer = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain('"status":"IN_QUEUE"');
    socket.destroy();
  });

  it('closes connections past maxConnections', async () => {
    const port = await listen({ maxConnections: 16 });
    const held = Array.from({ length: 16 }, () => exchange(port, ''));
    await Promise.all(held.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))));
    await expect.poll(countConnections).toBe(16);
    const extra = exchange(port, 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await extra.closed).toBe('');
  });
});

function countConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    sluice.app.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}
