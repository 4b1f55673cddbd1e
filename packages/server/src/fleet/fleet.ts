// The worker fleet of one server: the launcher and the autoscaler, built before the app (so /health can see
// them) and started once the server listens, plus the runtime changes the admin API makes to endpoint
// settings: PATCH of scaling settings and a reload of the configuration file.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { SluiceError } from '@sluice/protocol';
import { endpointSchema, type Config, type EndpointConfig } from '../config/config-schema.js';
import type { FleetView } from '../jobs/health-reporter.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobRecord } from '../store/job-record.js';
import { Autoscaler } from './autoscaler.js';
import { describeEndpoint, describeWorkers, type EndpointSummary, type WorkersSummary } from './fleet-views.js';
import { fleetCount } from './cluster/shared-view.js';
import { joinFleet, type SharedFleet, type SharedFleetOptions } from './cluster/join-fleet.js';
import { Launcher } from './launcher.js';

export interface FleetOptions {
  pingIntervalMs: number;
  maxReclaims: number;
  gpus: readonly number[];
  stopGraceMs?: number;
  /** Autoscaler period; default 1000 ms. */
  tickMs?: number;
  /** Re-reads the configuration as `sluice serve` first read it (POST /admin/reload); absent: nothing to re-read. */
  reloadConfig?: () => Config;
  /** `server.fleet`: used when the store lets several servers share one fleet. */
  shared?: SharedFleetOptions;
}

export interface FleetStart {
  ctx: JobContext;
  baseUrl: string;
  issueToken: (endpointId: string, workerId: string) => string;
  unregisterToken?: (endpointId: string, token: string) => void;
}

/** The endpoint settings PATCH /admin/endpoints/:id may change. */
export const PATCHABLE_SETTINGS = ['workersMin', 'workersMax', 'idleTimeout', 'scalerType', 'scalerValue'] as const;

export interface ReloadReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** Sections that differ from the running configuration but only take effect after a restart. */
  restartRequired: string[];
}

interface Running {
  ctx: JobContext;
  launcher: Launcher;
  autoscaler: Autoscaler;
  shared?: SharedFleet;
}

function configError(message: string): SluiceError {
  return new SluiceError('ERR_CONFIG_INVALID', message);
}

export class Fleet implements FleetView {
  private running: Running | undefined;

  constructor(
    private readonly config: Config,
    private readonly options: FleetOptions,
    private readonly log: Logger,
  ) {}

  /** Starts the launcher and the autoscaler (its first tick starts each endpoint's workersMin). */
  start({ ctx, baseUrl, issueToken, unregisterToken }: FleetStart): void {
    const launcher = new Launcher(
      ctx,
      {
        baseUrl,
        pingIntervalMs: this.options.pingIntervalMs,
        maxReclaims: this.options.maxReclaims,
        gpus: this.options.gpus,
        issueToken,
        unregisterToken: (endpointId, token) => unregisterToken?.(endpointId, token),
        stopGraceMs: this.options.stopGraceMs,
      },
      this.log,
    );
    const endpointIds = () => Object.keys(this.config.endpoints).filter((id) => this.config.endpoints[id]?.worker);
    const { shared: sharedOptions = { leaseMs: 5000, heartbeatMs: 1000 }, gpus } = this.options;
    const shared = joinFleet(ctx, launcher, { ...sharedOptions, baseUrl, gpus }, this.log);
    const autoscaler = new Autoscaler(
      ctx,
      launcher,
      { tickMs: this.options.tickMs, endpointIds, ...(shared ? { fleet: shared.coordinator } : {}) },
      this.log,
    );
    this.running = { ctx, launcher, autoscaler, ...(shared ? { shared } : {}) };
    // The first heartbeat may take the lease; the autoscaler's ticks meanwhile carry out the stored plan.
    shared?.member.start();
    autoscaler.start();
  }

  /** Stops scaling, then every worker (each drains its jobs first). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    await running.autoscaler.stop();
    // Hands the decision on and withdraws this server's advert before its workers drain.
    await running.shared?.member.stop();
    await running.launcher.stop();
  }

  /** This server's launched workers not yet seen in the store, by id (/health counts each worker once). */
  initializing(endpointId: string): string[] {
    return this.running?.launcher.initializing(endpointId) ?? [];
  }

  /** Fleet-wide starting workers (every live server's advert) when servers share the fleet, else undefined. */
  initializingFleetWide(endpointId: string): number | undefined {
    const shared = this.running?.shared;
    return shared ? fleetCount(shared.member.servers(), endpointId, 'initializing') : undefined;
  }

  throttled(endpointId: string): number {
    const shared = this.running?.shared;
    if (shared) {
      return fleetCount(shared.member.servers(), endpointId, 'throttled') + shared.coordinator.unplaced(endpointId);
    }
    return this.running?.launcher.throttled(endpointId) ?? 0;
  }

  /** Launched workers on their way out (metrics: /health does not count these states). */
  workerStates(endpointId: string): { draining: number; stopping: number } {
    const states = { draining: 0, stopping: 0 };
    for (const w of this.running?.launcher.workersOf(endpointId) ?? []) {
      if (w.state === 'draining' || w.state === 'stopping') states[w.state]++;
    }
    return states;
  }

  /** JobContext.onQueued: an endpoint at zero workers starts one now rather than at the next tick. */
  noteQueued(job: JobRecord): void {
    this.running?.autoscaler.noteQueued(job);
  }

  /** JobContext.onTerminal: a job's end shows its worker was busy until now. */
  noteTerminal(job: JobRecord): void {
    this.running?.autoscaler.noteTerminal(job);
  }

  async describeEndpoints(): Promise<EndpointSummary[]> {
    const running = this.require();
    const ids = Object.keys(this.config.endpoints).sort();
    return Promise.all(ids.map((id) => describeEndpoint(running, id, this.settings(id))));
  }

  async describeEndpoint(endpointId: string): Promise<EndpointSummary> {
    return describeEndpoint(this.require(), endpointId, this.settings(endpointId));
  }

  async describeWorkers(endpointId: string): Promise<WorkersSummary> {
    this.settings(endpointId);
    return describeWorkers(this.require(), endpointId);
  }

  /** Changes scaling settings at runtime, validated by the configuration's own rules. Lost on reload or restart. */
  patchEndpoint(endpointId: string, patch: unknown): EndpointConfig {
    const current = this.settings(endpointId);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw configError(`body must be a JSON object with any of ${PATCHABLE_SETTINGS.join(', ')}`);
    }
    const unknown = Object.keys(patch).filter((key) => !(PATCHABLE_SETTINGS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw configError(
        `${unknown.join(', ')}: cannot be changed at runtime; allowed: ${PATCHABLE_SETTINGS.join(', ')}`,
      );
    }
    const parsed = endpointSchema.safeParse({ ...current, ...patch });
    if (!parsed.success) {
      throw configError(parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; '));
    }
    this.config.endpoints[endpointId] = parsed.data;
    this.log.info({ endpointId, patch }, 'endpoint settings changed at runtime');
    this.running?.autoscaler.tickSoon();
    return parsed.data;
  }

  /**
   * Re-reads the configuration file and applies its endpoints: new ones start, removed ones stop their workers
   * (their jobs stay in the store), changed ones take their new settings. No job is lost and nothing restarts.
   */
  async reload(): Promise<ReloadReport> {
    const { reloadConfig } = this.options;
    if (!reloadConfig) throw configError('nothing to reload: the server was started without a configuration file');
    let next: Config;
    try {
      next = reloadConfig();
    } catch (err) {
      throw configError(err instanceof Error ? err.message : String(err));
    }
    const endpoints = this.config.endpoints;
    const report: ReloadReport = { added: [], changed: [], removed: [], unchanged: [], restartRequired: [] };
    const stopping = new Map<string, string>();
    for (const [id, settings] of Object.entries(next.endpoints)) {
      const previous = endpoints[id];
      if (previous === undefined) report.added.push(id);
      else if (isDeepStrictEqual(previous, settings)) report.unchanged.push(id);
      else {
        report.changed.push(id);
        if (previous.worker && !settings.worker) stopping.set(id, 'worker command removed from the configuration');
      }
      endpoints[id] = settings;
    }
    for (const id of Object.keys(endpoints)) {
      if (Object.hasOwn(next.endpoints, id)) continue;
      report.removed.push(id);
      delete endpoints[id];
      stopping.set(id, 'endpoint removed from the configuration');
    }
    for (const section of ['server', 'store', 'auth', 'log'] as const) {
      if (!isDeepStrictEqual(this.config[section], next[section])) report.restartRequired.push(section);
    }
    this.log.info(report, 'configuration reloaded');
    const running = this.running;
    if (running) {
      for (const id of stopping.keys()) running.shared?.advert.forget(id);
      await Promise.all([...stopping].map(([id, why]) => running.autoscaler.remove(id, why)));
      running.autoscaler.tickSoon();
    }
    return report;
  }

  private settings(endpointId: string): EndpointConfig {
    const settings = Object.hasOwn(this.config.endpoints, endpointId) ? this.config.endpoints[endpointId] : undefined;
    if (!settings) throw new SluiceError('ERR_ENDPOINT_NOT_FOUND');
    return settings;
  }

  private require(): Running {
    if (!this.running) throw new SluiceError('ERR_UNAVAILABLE', 'the worker fleet is not started yet');
    return this.running;
  }
}
