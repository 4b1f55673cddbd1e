// The worker fleet of one server: the launcher and the autoscaler, built before the app (so /health can see
// them) and started once the server listens. It follows the endpoint registry's change events: an endpoint
// added or resized is scaled at once, one removed (or that lost its worker command) has its workers stopped.
import type { Logger } from 'pino';
import { SluiceError } from '@sluice/protocol';
import type { EndpointChange, EndpointRegistry } from '../config/endpoint-registry.js';
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
  /** `server.fleet`: used when the store lets several servers share one fleet. */
  shared?: SharedFleetOptions;
}

export interface FleetStart {
  ctx: JobContext;
  baseUrl: string;
  issueToken: (endpointId: string, workerId: string) => string;
  unregisterToken?: (endpointId: string, token: string) => void;
}

interface Running {
  ctx: JobContext;
  launcher: Launcher;
  autoscaler: Autoscaler;
  shared?: SharedFleet;
  /** Endpoints with a worker command: the ones the autoscaler scales. */
  scaled: Set<string>;
  /** Endpoints being removed; stop() waits for them. */
  removals: Set<Promise<void>>;
  unfollow: () => void;
}

export class Fleet implements FleetView {
  private running: Running | undefined;

  constructor(
    private readonly endpoints: EndpointRegistry,
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
    const scaled = new Set(this.endpoints.list().flatMap(([id, settings]) => (settings.worker ? [id] : [])));
    const { shared: sharedOptions = { leaseMs: 5000, heartbeatMs: 1000 }, gpus } = this.options;
    const shared = joinFleet(ctx, launcher, { ...sharedOptions, baseUrl, gpus }, this.log);
    const autoscaler = new Autoscaler(
      ctx,
      launcher,
      { tickMs: this.options.tickMs, endpointIds: () => [...scaled], ...(shared ? { fleet: shared.coordinator } : {}) },
      this.log,
    );
    const running: Running = { ctx, launcher, autoscaler, scaled, removals: new Set(), unfollow: () => undefined };
    if (shared) running.shared = shared;
    running.unfollow = this.endpoints.onChange((change) => this.follow(running, change));
    this.running = running;
    // The first heartbeat may take the lease; the autoscaler's ticks meanwhile carry out the stored plan.
    shared?.member.start();
    autoscaler.start();
  }

  /** Stops scaling, then every worker (each drains its jobs first). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.unfollow();
    await Promise.all(running.removals);
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
    const ids = this.endpoints.ids().sort();
    return Promise.all(ids.map((id) => describeEndpoint(running, id, this.endpoints.require(id))));
  }

  async describeEndpoint(endpointId: string): Promise<EndpointSummary> {
    return describeEndpoint(this.require(), endpointId, this.endpoints.require(endpointId));
  }

  async describeWorkers(endpointId: string): Promise<WorkersSummary> {
    this.endpoints.require(endpointId);
    return describeWorkers(this.require(), endpointId);
  }

  /** Applies one change of the endpoint registry: PATCH, reload. */
  private follow(running: Running, change: EndpointChange): void {
    const { id } = change;
    const stopWhy =
      change.kind === 'removed'
        ? 'endpoint removed from the configuration'
        : change.kind === 'changed' && change.previous.worker && !change.settings.worker
          ? 'worker command removed from the configuration'
          : undefined;
    if (change.kind !== 'removed' && change.settings.worker) running.scaled.add(id);
    else running.scaled.delete(id);
    if (stopWhy) {
      running.shared?.advert.forget(id);
      const removal = running.autoscaler
        .remove(id, stopWhy)
        .catch((err: unknown) => this.log.warn({ err, endpointId: id }, 'cannot stop the workers of an endpoint'))
        .finally(() => running.removals.delete(removal));
      running.removals.add(removal);
    }
    running.autoscaler.tickSoon();
  }

  private require(): Running {
    if (!this.running) throw new SluiceError('ERR_UNAVAILABLE', 'the worker fleet is not started yet');
    return this.running;
  }
}
