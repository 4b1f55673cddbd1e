// Webhook delivery through real server processes (spec §5, §9.3): a receiver that is down for the first
// attempts, a kill -9 between completion and delivery, a restart on the same database, signed headers,
// and a cancelled job's webhook.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteJobStore } from '../../packages/server/src/store/sqlite/sqlite-job-store.js';
import { eventually, http, removeDir, startServerProcess, type ServerProcess } from './support/server-process.js';

const SECRETS = [
  `whsec_${Buffer.from('first webhook secret, 32 bytes!!').toString('base64')}`,
  `whsec_${Buffer.from('second secret, rotating in now..').toString('base64')}`,
];
const RETRY_DELAY_MS = 1500;
const config = {
  server: {
    workerPollHoldMs: 1000,
    webhooks: { attempts: 3, retryDelayMs: RETRY_DELAY_MS, timeoutMs: 2000 },
  },
  endpoints: { signed: { webhookSecret: SECRETS.join(' ') }, plain: {} },
};

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
  answered: number;
}

/** A webhook receiver that answers 503 to its first `downFor` requests, then 200. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private downFor: number) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        const answered = this.downFor > 0 ? 503 : 200;
        this.downFor = Math.max(0, this.downFor - 1);
        this.deliveries.push({ headers: req.headers, body, receivedAt: Date.now(), answered });
        res.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** Checks the Standard Webhooks headers as a receiver would, with its own HMAC. */
function expectSigned(delivery: Delivery): void {
  const id = delivery.headers['webhook-id'] as string;
  const timestamp = Number(delivery.headers['webhook-timestamp']);
  expect(Math.abs(delivery.receivedAt / 1000 - timestamp)).toBeLessThan(300);
  const expected = SECRETS.map((secret) => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest('base64')}`;
  });
  expect((delivery.headers['webhook-signature'] as string).split(' ')).toEqual(expected);
}

/** Resolves once the server has printed a line matching `pattern`. */
function printed(server: ServerProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!pattern.test(server.output())) return false;
      server.child.stdout?.off('data', check);
      resolve();
      return true;
    };
    if (!check()) server.child.stdout?.on('data', check);
  });
}

let server: ServerProcess;
const receiver = new Receiver(2);

beforeAll(async () => {
  await receiver.start();
  server = await startServerProcess({ config });
});

afterAll(async () => {
  // server is unset when it failed to start.
  await server?.kill();
  await receiver.close();
  if (server) removeDir(server.dir);
});

describe('webhooks through real server processes', () => {
  let completedId = '';

  it('delivers a completion exactly once across a receiver outage and a kill -9 of the server', async () => {
    const webhook = `${receiver.url}/hooks/done?token=abc`;
    const input = { prompt: 'héllo' };
    const run = await http('POST', `${server.baseUrl}/v2/signed/run`, { input, webhook });
    completedId = run.json.id as string;
    const take = await http('GET', `${server.baseUrl}/v2/signed/job-take/pod-1`);
    expect(take.json).toEqual({ id: completedId, input });
    const firstFailure = printed(server, /webhook attempt failed; will retry/);
    const done = await http('POST', `${server.baseUrl}/v2/signed/job-done/pod-1/${completedId}`, {
      output: { text: 'HÉLLO' },
    });
    expect(done.status).toBe(200);

    // Attempt 1 met the outage and its retry is scheduled: the server dies before it.
    await firstFailure;
    await server.kill();
    expect(receiver.deliveries.map((d) => d.answered)).toEqual([503]);

    server = await startServerProcess({ config, dir: server.dir });
    await eventually(
      () => Promise.resolve(receiver.deliveries.some((d) => d.answered === 200) ? true : undefined),
      15_000,
      'the delivery to get through',
    );
    expect(receiver.deliveries.map((d) => d.answered)).toEqual([503, 503, 200]);

    const [first, ...retries] = receiver.deliveries;
    for (const delivery of receiver.deliveries) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['user-agent']).toMatch(/^sluice\/\d+\.\d+\.\d+/);
      expect(delivery.body).toBe(first!.body);
      expectSigned(delivery);
    }
    expect(new Set(retries.map((d) => d.headers['webhook-id']))).toEqual(new Set([first!.headers['webhook-id']]));
    const gaps = receiver.deliveries.slice(1).map((d, i) => d.receivedAt - receiver.deliveries[i]!.receivedAt);
    expect(gaps[1]).toBeGreaterThanOrEqual(RETRY_DELAY_MS - 50);
    expect(JSON.parse(first!.body)).toEqual({
      id: completedId,
      status: 'COMPLETED',
      delayTime: expect.any(Number),
      executionTime: expect.any(Number),
      workerId: 'pod-1',
      output: { text: 'HÉLLO' },
      input,
      webhook,
    });
    // Delivery never touches the job.
    const status = await http('GET', `${server.baseUrl}/v2/signed/status/${completedId}`);
    expect(status.json).toMatchObject({ id: completedId, status: 'COMPLETED', output: { text: 'HÉLLO' } });
  });

  it('fires the webhook of a cancelled job, unsigned on an endpoint without a secret', async () => {
    const before = receiver.deliveries.length;
    const webhook = `${receiver.url}/hooks/cancelled`;
    const run = await http('POST', `${server.baseUrl}/v2/plain/run`, { input: { n: 1 }, webhook });
    const id = run.json.id as string;
    expect((await http('POST', `${server.baseUrl}/v2/plain/cancel/${id}`)).json.status).toBe('CANCELLED');
    const delivery = await eventually(
      () => Promise.resolve(receiver.deliveries[before]),
      10_000,
      'the cancellation webhook',
    );
    expect(delivery.answered).toBe(200);
    expect(delivery.headers['webhook-signature']).toBeUndefined();
    expect(JSON.parse(delivery.body)).toEqual({
      id,
      status: 'CANCELLED',
      delayTime: expect.any(Number),
      input: { n: 1 },
      webhook,
    });
  });

  it('leaves nothing pending: no delivery can arrive twice', async () => {
    expect(await server.stop()).toBe(0);
    const store = openSqliteJobStore({ path: join(server.dir, 'sluice.db') });
    try {
      expect(await store.takeDueWebhooks(Date.now() + 86_400_000, 100, 1000)).toEqual([]);
    } finally {
      await store.close();
    }
    expect(receiver.deliveries.filter((d) => d.answered === 200)).toHaveLength(2);
  });
});
