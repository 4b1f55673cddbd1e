// Heartbeat: GET ping every interval with the ids in flight (spec §6.7), on its own timer so that
// busy handlers never delay it (runpod-python runs it in a separate thread).
import type { HttpClient } from './http.js';
import type { InFlightJobs } from './in-flight.js';
import { describeError, type WorkerLogger } from './logger.js';
import type { WorkerUrls } from './urls.js';
import { RUNPOD_VERSION } from './version.js';

export interface PingerDeps {
  http: HttpClient;
  urls: WorkerUrls;
  inFlight: InFlightJobs;
  log: WorkerLogger;
  intervalMs: number;
}

/**
 * Pings at once, then every `intervalMs`. A ping still pending when the next is due is not doubled up;
 * each gives up after two intervals, as runpod-python's does. The timer is unref'd: pings alone never
 * keep the process alive.
 */
export class Pinger {
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  private readonly controller = new AbortController();

  constructor(private readonly deps: PingerDeps) {}

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.controller.abort(new DOMException('worker stopped', 'AbortError'));
    await this.pending;
  }

  private tick(): void {
    if (this.pending || this.controller.signal.aborted) return;
    this.pending = this.ping().finally(() => {
      this.pending = undefined;
    });
  }

  private async ping(): Promise<void> {
    const { http, urls, inFlight, log, intervalMs } = this.deps;
    const url = urls.ping(inFlight.ids(), RUNPOD_VERSION);
    if (url === undefined) return;
    try {
      const response = await http.get(url, {
        signal: this.controller.signal,
        timeoutMs: Math.max(2 * intervalMs, 1000),
      });
      if (response.status !== 200) log.debug(`ping answered HTTP ${response.status}`);
    } catch (err) {
      if (!this.controller.signal.aborted) log.warn(`ping failed: ${describeError(err)}`);
    }
  }
}
