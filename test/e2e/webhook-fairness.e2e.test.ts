// Webhook delivery is fair between endpoints (issue #12 item 3): an endpoint whose webhook target never answers
// holds at most its share of the sender's slots, and another endpoint's deliveries keep their latency. A real
// server process, a black-hole receiver and a healthy one, both on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const TIMEOUT_MS = 20_000;
const config = {
  server: {
    workerPollHoldMs: 1000,
    webhooks: { attempts: 1, timeoutMs: TIMEOUT_MS, maxInFlightPerEndpoint: 4 },
  },
  endpoints: { slow: {}, fast: {} },
};

/** Accepts connections and never answers. */
class BlackHole {
  readonly sockets = new Set<Socket>();
  requests = 0;
  private readonly server: Server = createServer(() => (this.requests += 1));
  url = '';

  async start(): Promise<void> {
    this.server.on('connection', (socket: Socket) => this.sockets.add(socket));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

class Healthy {
  readonly received: number[] = [];
  private readonly server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.received.push(Date.now());
      res.writeHead(200).end();
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let server: ServerProcess;
const blackHole = new BlackHole();
const healthy = new Healthy();

beforeAll(async () => {
  await Promise.all([blackHole.start(), healthy.start()]);
  server = await startServerProcess({ config });
});

afterAll(async () => {
  await server?.kill();
  await Promise.all([blackHole.close(), healthy.close()]);
  if (server) removeDir(server.dir);
});

/** Submits `count` jobs with `webhook` and completes each through the worker routes. */
async function complete(endpoint: string, webhook: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const run = await http('POST', `${server.baseUrl}/v2/${endpoint}/run`, { input: { i }, webhook });
    const take = await http('GET', `${server.baseUrl}/v2/${endpoint}/job-take/w-${endpoint}`);
    expect(take.json.id).toBe(run.json.id);
    const done = await http('POST', `${server.baseUrl}/v2/${endpoint}/job-done/w-${endpoint}/${String(run.json.id)}`, {
      output: i,
    });
    expect(done.status).toBe(200);
  }
}

describe('webhook fairness through a real server process', () => {
  it("keeps a healthy endpoint's delivery latency while another endpoint's target black-holes", async () => {
    await complete('slow', blackHole.url, 32);
    // The black hole now holds the slow endpoint's share of the slots, each for TIMEOUT_MS.
    await eventually(
      () => Promise.resolve(blackHole.requests >= 4 ? true : undefined),
      15_000,
      'deliveries to the black hole to start',
    );
    const started = Date.now();
    await complete('fast', healthy.url, 8);
    await eventually(
      () => Promise.resolve(healthy.received.length === 8 ? true : undefined),
      TIMEOUT_MS,
      'every healthy delivery',
    );
    // Without fair shares the 32 black-holed deliveries fill all 16 slots for TIMEOUT_MS, twice over.
    expect(Math.max(...healthy.received) - started).toBeLessThan(TIMEOUT_MS / 2);
    expect(blackHole.requests).toBeLessThanOrEqual(4);
  });
});
