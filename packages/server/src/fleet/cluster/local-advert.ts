// What this server tells the fleet about itself: for every endpoint it scales, the workers it launched (with
// how long each has been idle, as its autoscaler measured), how many it could not place and how many are
// still starting; and its free GPUs. Built fresh from the launcher at every heartbeat.
import type { AdvertisedEndpoint, AdvertisedWorker } from '../../store/fleet-registry.js';
import type { LaunchedWorker } from '../launcher.js';
import type { ScalerWorker } from '../scaler-policy.js';
import type { LocalFleetState } from './cluster-member.js';

/** What the advert needs of the launcher. */
export interface AdvertisedLauncher {
  workersOf(endpointId: string): LaunchedWorker[];
  throttled(endpointId: string): number;
  initializing(endpointId: string): number;
  freeGpus(): number;
}

export class LocalAdvert implements LocalFleetState {
  /** Per endpoint scaled here: when each ready worker became idle (the autoscaler's last measure). */
  private readonly idleSince = new Map<string, Map<string, number>>();

  constructor(
    private readonly launcher: AdvertisedLauncher,
    private readonly now: () => number,
  ) {}

  /** The autoscaler's view of the endpoint's workers at this tick. */
  note(endpointId: string, workers: ScalerWorker[]): void {
    const idle = new Map<string, number>();
    for (const w of workers) if (w.idleSince !== undefined) idle.set(w.workerId, w.idleSince);
    this.idleSince.set(endpointId, idle);
  }

  /** The endpoint is no longer scaled here (removed by a reload): the fleet stops placing its workers here. */
  forget(endpointId: string): void {
    this.idleSince.delete(endpointId);
  }

  endpoint(endpointId: string): AdvertisedEndpoint {
    const now = this.now();
    const idle = this.idleSince.get(endpointId);
    const workers = this.launcher.workersOf(endpointId).map((w): AdvertisedWorker => {
      const since = w.state === 'ready' ? idle?.get(w.workerId) : undefined;
      return {
        workerId: w.workerId,
        state: w.state,
        gpus: w.gpus,
        startedAt: w.startedAt,
        ...(w.pid === undefined ? {} : { pid: w.pid }),
        inFlight: w.record?.inFlight ?? 0,
        ...(since === undefined ? {} : { idleMs: Math.max(0, now - since) }),
      };
    });
    return {
      workers,
      throttled: this.launcher.throttled(endpointId),
      initializing: this.launcher.initializing(endpointId),
    };
  }

  endpoints(): Record<string, AdvertisedEndpoint> {
    const all: Record<string, AdvertisedEndpoint> = {};
    for (const endpointId of this.idleSince.keys()) all[endpointId] = this.endpoint(endpointId);
    return all;
  }

  freeGpus(): number {
    return this.launcher.freeGpus();
  }
}
