// Starts and supervises worker processes for endpoints that name a worker command. Each worker gets its
// own id, token and spec §7 environment; one that exits is replaced after a backoff; stop() ends them all.
// The autoscaler (fleet issue) decides how many run by calling setDesired(); the fixed pool keeps workersMin.
//
// Per worker: starting → running → (exited → backoff → starting) | stopping → gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { EndpointConfig } from '../config/config-schema.js';
import type { JobContext } from '../jobs/job-context.js';
import { announce } from '../jobs/job-context.js';
import { mergeEnv, workerEnv } from './worker-env.js';

export interface LauncherOptions {
  baseUrl: string;
  pingIntervalMs: number;
  maxReclaims: number;
  /** Called with each worker's token so auth accepts it on that endpoint's worker routes. */
  registerToken(endpointId: string, token: string): void;
  /** Time a stopping worker gets to drain before SIGKILL; longer than the worker SDK's own 30 s grace. */
  stopGraceMs?: number;
}

interface ManagedWorker {
  endpointId: string;
  workerId: string;
  child: ChildProcess;
  startedAt: number;
  stopping: boolean;
  exited: Promise<void>;
}

const RESTART_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];
/** A worker that lived this long resets its restart backoff. */
const HEALTHY_RUN_MS = 30_000;

export class Launcher {
  private readonly workers = new Map<string, ManagedWorker>();
  private readonly desired = new Map<string, number>();
  private readonly quickExits = new Map<string, number>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly home: string;
  private stopped = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly endpoints: Record<string, EndpointConfig>,
    private readonly options: LauncherOptions,
    private readonly log: Logger,
  ) {
    // A HOME with no .runpod/config.toml: an api_key there would replace the worker token (spec §7.1).
    this.home = join(tmpdir(), `sluice-worker-home-${process.pid}`);
    mkdirSync(this.home, { recursive: true });
  }

  /** Starts the fixed pool: workersMin processes per endpoint that names a worker command. */
  start(): void {
    for (const [endpointId, endpoint] of Object.entries(this.endpoints)) {
      if (endpoint.worker) this.setDesired(endpointId, endpoint.workersMin);
    }
  }

  setDesired(endpointId: string, count: number): void {
    this.desired.set(endpointId, count);
    this.reconcile(endpointId);
  }

  running(endpointId: string): number {
    return [...this.workers.values()].filter((w) => w.endpointId === endpointId && !w.stopping).length;
  }

  /** SIGTERM to every worker; SIGKILL to those still alive after the grace period. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    await Promise.all([...this.workers.values()].map((w) => this.stopWorker(w)));
  }

  private reconcile(endpointId: string): void {
    if (this.stopped) return;
    const want = this.desired.get(endpointId) ?? 0;
    const live = [...this.workers.values()].filter((w) => w.endpointId === endpointId && !w.stopping);
    for (let i = live.length; i < want; i++) this.spawnWorker(endpointId);
    for (const worker of live.slice(want)) void this.stopWorker(worker);
  }

  private spawnWorker(endpointId: string): void {
    const endpoint = this.endpoints[endpointId];
    if (!endpoint?.worker) return;
    const workerId = `w-${randomBytes(6).toString('hex')}`;
    const token = randomBytes(24).toString('base64url');
    this.options.registerToken(endpointId, token);
    const env = mergeEnv(
      process.env,
      endpoint.worker.env,
      workerEnv({
        baseUrl: this.options.baseUrl,
        endpointId,
        workerId,
        token,
        label: 'cpu',
        pingIntervalMs: this.options.pingIntervalMs,
        home: this.home,
        hostname: hostname(),
      }),
    );
    const child = spawn(endpoint.worker.command, endpoint.worker.args, {
      cwd: endpoint.worker.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = this.log.child({ endpointId, workerId });
    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      if (stream) createInterface({ input: stream }).on('line', (line) => log.info({ stream: name }, line));
    }
    const exited = new Promise<void>((resolve) => {
      child.once('error', (err) => log.error({ err }, 'worker failed to start'));
      child.once('close', (code, signal) => {
        resolve();
        void this.onExit(worker, code, signal);
      });
    });
    const worker: ManagedWorker = { endpointId, workerId, child, startedAt: Date.now(), stopping: false, exited };
    this.workers.set(workerId, worker);
    void this.ctx.store
      .recordWorker(endpointId, workerId, {}, this.ctx.now())
      .catch((err: unknown) => log.error({ err }, 'cannot register worker'));
    log.info({ pid: child.pid, command: endpoint.worker.command }, 'worker started');
  }

  private async onExit(worker: ManagedWorker, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    this.workers.delete(worker.workerId);
    const log = this.log.child({ endpointId: worker.endpointId, workerId: worker.workerId });
    log.info({ code, signal }, 'worker exited');
    // Its process is gone, so whatever it held is lost now: no need to wait for missed pings.
    try {
      const { store } = this.ctx;
      const jobs = await store.reclaim(
        worker.endpointId,
        worker.workerId,
        'all',
        this.options.maxReclaims,
        'worker lost',
        this.ctx.now(),
      );
      for (const job of jobs) announce(this.ctx, job, 'IN_PROGRESS');
      await store.removeWorker(worker.endpointId, worker.workerId);
    } catch (err) {
      log.error({ err }, 'cannot reclaim jobs of exited worker');
    }
    if (this.stopped || worker.stopping) return;
    const quick =
      Date.now() - worker.startedAt < HEALTHY_RUN_MS ? (this.quickExits.get(worker.endpointId) ?? 0) + 1 : 0;
    this.quickExits.set(worker.endpointId, quick);
    const delay = RESTART_BACKOFF_MS[Math.min(quick, RESTART_BACKOFF_MS.length - 1)] ?? 30_000;
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      this.reconcile(worker.endpointId);
    }, delay);
    this.restartTimers.add(timer);
  }

  private async stopWorker(worker: ManagedWorker): Promise<void> {
    worker.stopping = true;
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
    const grace = this.options.stopGraceMs ?? 35_000;
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        worker.child.kill('SIGKILL');
        resolve();
      }, grace);
    });
    await Promise.race([worker.exited, killed]);
    clearTimeout(timer);
    await worker.exited;
  }
}
