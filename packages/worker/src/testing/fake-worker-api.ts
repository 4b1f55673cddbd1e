// Test double of the Sluice worker API (spec §6) on node:http: records every request, holds job-take,
// job-take-batch and job-stop like the real server, and answers posts with 200 {} (job-done-batch with a 200
// entry per result); a job-done or job-done-batch with `next=N` also gets up to N queued jobs in `next`.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** `job-take`, `job-take-batch`, `job-stop`, `job-done`, `job-done-batch`, `job-stream` or `ping`. */
  route: string;
  workerId: string;
  jobId?: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** Ids of the jobs its answer handed out (job-take, job-take-batch, or `next` of a result post). */
  handedOut?: string[];
}

export interface FakeJob {
  id: string;
  input: unknown;
  [key: string]: unknown;
}

type Waiter = { wake: () => void };

export class FakeWorkerApi {
  readonly requests: RecordedRequest[] = [];
  /** How long an empty job-take or job-stop is held before 204 (the real server: 1–80 s). */
  holdMs = 150;
  /** When set, job-take(-batch) answers this status (and `takeBody`) at once instead of serving jobs. */
  takeStatus: number | undefined;
  takeBody = '{"error":"internal error"}';
  /** When set, job-stop answers this status at once. */
  stopStatus: number | undefined;
  /** Status for each job-done post, in arrival order; once used up, 200. */
  doneStatuses: number[] = [];
  /** Status for each job-stream post, in arrival order; once used up, 200. */
  streamStatuses: number[] = [];

  private readonly server = createServer((req, res) => this.handle(req, res));
  private readonly events = new EventEmitter();
  private readonly jobs: FakeJob[] = [];
  private readonly stops: string[] = [];
  private takeWaiters = new Set<Waiter>();
  private stopWaiters = new Set<Waiter>();

  static async start(): Promise<FakeWorkerApi> {
    const api = new FakeWorkerApi();
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** The launcher environment of spec §7.1 for this server; `workerId` null leaves RUNPOD_POD_ID unset. */
  env(workerId: string | null = 'w1', extra: Record<string, string> = {}): Record<string, string> {
    const base = `${this.baseUrl}/v2/ep`;
    return {
      RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu`,
      RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=cpu`,
      RUNPOD_AI_API_KEY: 'worker-token',
      RUNPOD_POD_HOSTNAME: 'host-1',
      ...(workerId === null ? {} : { RUNPOD_POD_ID: workerId }),
      ...extra,
    };
  }

  enqueue(...jobs: FakeJob[]): void {
    this.jobs.push(...jobs);
    for (const waiter of [...this.takeWaiters]) waiter.wake();
  }

  /** Queues job-stop entries for the worker. */
  stopJobs(...ids: string[]): void {
    this.stops.push(...ids);
    for (const waiter of [...this.stopWaiters]) waiter.wake();
  }

  of(route: string, jobId?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route && (jobId === undefined || r.jobId === jobId));
  }

  /** Resolves with the first recorded request (past or future) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (request: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onRequest = (request: RecordedRequest): void => {
        if (!predicate(request)) return;
        clearTimeout(timer);
        this.events.off('request', onRequest);
        resolve(request);
      };
      const timer = setTimeout(() => {
        this.events.off('request', onRequest);
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      this.events.on('request', onRequest);
    });
  }

  /** Waits for the job-done post of `jobId` that is not a progress update. */
  waitForResult(jobId: string, timeoutMs?: number): Promise<RecordedRequest> {
    return this.waitFor(
      (r) => r.route === 'job-done' && r.jobId === jobId && (r.json as { status?: string })?.status !== 'IN_PROGRESS',
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    for (const waiter of [...this.takeWaiters, ...this.stopWaiters]) waiter.wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const [, , , route = '', workerId = '', jobId] = url.pathname.split('/');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const request: RecordedRequest = {
        method: req.method ?? '',
        route,
        workerId,
        ...(jobId === undefined ? {} : { jobId }),
        query: url.searchParams,
        headers: req.headers,
        body,
        json,
        at: performance.now(),
      };
      this.requests.push(request);
      this.events.emit('request', request);
      this.answer(request, res);
    });
  }

  private answer(request: RecordedRequest, res: ServerResponse): void {
    switch (request.route) {
      case 'job-take':
      case 'job-take-batch':
        if (this.takeStatus !== undefined) return send(res, this.takeStatus, this.takeBody);
        return this.hold(res, this.takeWaiters, () => this.takeJobs(request));
      case 'job-stop':
        if (this.stopStatus !== undefined) return send(res, this.stopStatus, '{"error":"internal error"}');
        return this.hold(res, this.stopWaiters, () =>
          this.stops.length > 0 ? { jobsToStop: this.stops.splice(0) } : undefined,
        );
      case 'job-done': {
        const status = this.doneStatuses.shift() ?? 200;
        return send(res, status, status === 200 ? this.withNext(request, {}) : '{}');
      }
      case 'job-done-batch': {
        const items = Array.isArray(request.json) ? (request.json as Array<{ id?: unknown }>) : [];
        const results = items.map((item) => ({ id: item.id, status: 200 }));
        return send(res, 200, this.withNext(request, { results }));
      }
      case 'job-stream':
        return send(res, this.streamStatuses.shift() ?? 200, '{}');
      case 'ping':
        return send(res, 200, '{}');
      default:
        return send(res, 404, '{"error":"route not found"}');
    }
  }

  private takeJobs(request: RecordedRequest): unknown {
    if (this.jobs.length === 0) return undefined;
    const size = request.route === 'job-take' ? 1 : Number(request.query.get('batch_size') ?? '1');
    const jobs = this.jobs.splice(0, size);
    request.handedOut = jobs.map((job) => job.id);
    return request.route === 'job-take' ? jobs[0] : jobs;
  }

  /** The answer with up to `next` queued jobs added, when the post asked for them. */
  private withNext(request: RecordedRequest, answer: Record<string, unknown>): string {
    const asked = request.query.get('next');
    if (asked === null) return JSON.stringify(answer);
    const jobs = this.jobs.splice(0, Number(asked));
    request.handedOut = jobs.map((job) => job.id);
    return JSON.stringify({ ...answer, next: jobs });
  }

  /** Answers with `ready()` as soon as it yields something, else 204 after `holdMs`. */
  private hold(res: ServerResponse, waiters: Set<Waiter>, ready: () => unknown): void {
    const now = ready();
    if (now !== undefined) return send(res, 200, JSON.stringify(now));
    const waiter: Waiter = {
      wake: () => {
        if (res.writableEnded || res.destroyed) return finish();
        const value = ready();
        if (value !== undefined) {
          finish();
          send(res, 200, JSON.stringify(value));
        }
      },
    };
    const finish = (): void => {
      clearTimeout(timer);
      waiters.delete(waiter);
    };
    const timer = setTimeout(() => {
      finish();
      if (!res.destroyed) send(res, 204);
    }, this.holdMs);
    // A worker that gave up on the poll must not be handed a job (spec §1.5).
    res.on('close', finish);
    waiters.add(waiter);
  }
}

function send(res: ServerResponse, status: number, body?: string): void {
  if (res.writableEnded || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
}
