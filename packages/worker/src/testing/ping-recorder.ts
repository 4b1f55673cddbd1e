// A ping endpoint served from its own thread, for tests whose handler blocks the main thread: the
// in-process FakeWorkerApi cannot even accept a request then, so only a server on another thread can
// tell when pings arrived. Plain CommonJS in a Worker, like ping-thread.ts, since Node 20 cannot load .ts there.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface RecordedPing {
  /** The `job_id` list, empty when absent. */
  jobIds: string[];
  authorization: string | undefined;
  /** `epochNow()` on the recorder's thread when the request's headers arrived. */
  at: number;
}

/** Milliseconds since the epoch at sub-ms resolution, comparable across threads (each has its own timeOrigin). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

type FromRecorder =
  { type: 'listening'; port: number } | { type: 'ping'; url: string; authorization: string | undefined; at: number };

const RECORDER_SOURCE = `
'use strict';
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');

const counted = new Int32Array(workerData.counter);
const server = createServer((req, res) => {
  const at = performance.timeOrigin + performance.now();
  parentPort.postMessage({ type: 'ping', url: req.url, authorization: req.headers.authorization, at });
  // Counted after 'at' is taken, so a count seen by the main thread covers that ping's arrival time.
  Atomics.add(counted, 0, 1);
  res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', () => {
  server.closeAllConnections();
  server.close(() => parentPort.close());
});
`;

export class PingRecorder {
  readonly pings: RecordedPing[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly thread: Worker,
    private readonly port: number,
    /** Pings received so far, readable while the main thread is blocked (messages are not). */
    private readonly counter: Int32Array,
  ) {
    thread.on('message', (message: FromRecorder) => {
      if (message.type !== 'ping') return;
      const jobIds = new URL(message.url, 'http://x').searchParams.get('job_id');
      this.pings.push({
        jobIds: jobIds ? jobIds.split(',') : [],
        authorization: message.authorization,
        at: message.at,
      });
      for (const wake of [...this.waiters]) wake();
    });
  }

  static async start(): Promise<PingRecorder> {
    const counter = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const thread = new Worker(RECORDER_SOURCE, { eval: true, workerData: { counter } });
    const [message] = (await once(thread, 'message')) as [FromRecorder];
    if (message.type !== 'listening') throw new Error(`unexpected first message ${message.type}`);
    return new PingRecorder(thread, message.port, new Int32Array(counter));
  }

  /** How many pings have arrived, read synchronously: usable from a handler that blocks the main thread. */
  get arrived(): number {
    return Atomics.load(this.counter, 0);
  }

  /** RUNPOD_WEBHOOK_PING pointing here. */
  get pingTemplate(): string {
    return `http://127.0.0.1:${this.port}/v2/ep/ping/$RUNPOD_POD_ID?gpu=cpu`;
  }

  /** Resolves with the first ping (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (ping: RecordedPing) => boolean, timeoutMs = 5000): Promise<RecordedPing> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.pings.find(predicate);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching ping within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.thread.postMessage('close');
    await once(this.thread, 'exit');
  }
}
