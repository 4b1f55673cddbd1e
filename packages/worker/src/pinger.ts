// Heartbeat: GET ping every interval with the ids in flight (spec §6.7). The requests go out from a
// worker thread (ping-thread.ts), so a handler that blocks the event loop with synchronous work does
// not silence them and get its job reclaimed while it runs (runpod-python pings from a thread too).
import { Worker } from 'node:worker_threads';
import type { InFlightJobs } from './in-flight.js';
import { describeError, type WorkerLogger } from './logger.js';
import { PING_THREAD_SOURCE, type FromPingThread, type PingThreadData, type ToPingThread } from './ping-thread.js';
import { SharedText } from './shared-text.js';
import type { WorkerUrls } from './urls.js';
import { RUNPOD_VERSION } from './version.js';

export interface PingerDeps {
  /** RUNPOD_AI_API_KEY: the thread has its own HTTP client and sends it raw as `Authorization`. */
  apiKey: string | undefined;
  urls: WorkerUrls;
  inFlight: InFlightJobs;
  log: WorkerLogger;
  intervalMs: number;
}

/**
 * Pings at once (once the thread is up), then every `intervalMs`. A ping still pending when the next is
 * due is not doubled up; each gives up after two intervals (at least 1 s), as runpod-python's does. The
 * main thread only rewrites the URL in memory it shares with the thread whenever a job starts or ends (no
 * message), and relays the thread's log lines.
 * The Worker is unref'd: pings alone never keep the process alive. One start, one stop.
 */
/** A ping thread that died (it should not) is started again after this long: silence would cost the jobs. */
const RESTART_DELAY_MS = 1000;

export class Pinger {
  private thread: Worker | undefined;
  private readonly url = new SharedText();
  private unsubscribe: (() => void) | undefined;
  private restart: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: PingerDeps) {}

  start(): void {
    if (this.thread || this.stopped) return;
    this.unsubscribe = this.deps.inFlight.onChange(() => this.publishUrl());
    this.publishUrl();
    this.spawn();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restart);
    this.unsubscribe?.();
    if (!this.thread) return;
    // Lets the thread drop its ping and close its sockets if it gets to it; terminate() ends it either way.
    this.post({ type: 'stop' });
    await this.thread.terminate();
  }

  private spawn(): void {
    const { apiKey, log, intervalMs } = this.deps;
    const workerData: PingThreadData = {
      url: this.url.buffer,
      apiKey,
      intervalMs,
      timeoutMs: Math.max(2 * intervalMs, 1000),
    };
    const thread = new Worker(PING_THREAD_SOURCE, { eval: true, workerData });
    thread.unref();
    thread.on('message', (message: FromPingThread) => {
      // A line posted just before stop() may arrive after it: a ping cut short by stopping is no failure.
      if (!this.stopped) log[message.level](message.message);
    });
    thread.on('error', (err) => {
      if (!this.stopped) log.error(`the ping thread failed: ${describeError(err)}`);
    });
    thread.on('exit', () => {
      if (this.stopped || this.thread !== thread) return;
      log.error(`the ping thread exited; starting another in ${RESTART_DELAY_MS} ms`);
      this.thread = undefined;
      this.restart = setTimeout(() => {
        if (!this.stopped) this.spawn();
      }, RESTART_DELAY_MS);
      this.restart.unref();
    });
    this.thread = thread;
  }

  private publishUrl(): void {
    const url = this.deps.urls.ping(this.deps.inFlight.ids(), RUNPOD_VERSION);
    if (this.url.write(url)) this.post({ type: 'url', url: this.url.buffer });
  }

  private post(message: ToPingThread): void {
    this.thread?.postMessage(message);
  }
}
