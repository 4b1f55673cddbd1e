// The fleet registry: an optional store capability that lets several servers sharing one store act as one
// worker fleet. Each server advertises what it can host and what it runs (expiring unless renewed), one
// server at a time holds the deciding lease, and the decider's per-endpoint assignments are stored for every
// server to carry out. Stores used by one server only (SQLite) do not have it: that server is the whole fleet.
//
// Guarantees (checked against Redis by store/testing/conformance-fleet.ts):
// - holdLease is one atomic step: at most one holder at a time, and the lease lapses ttlMs after its last
//   renewal, so a dead holder is replaced once that time has passed;
// - an advert not renewed within its ttlMs is no longer listed;
// - saveAssignment replaces the endpoint's previous assignment as a whole.

/** One worker a server runs, as the decider sees it. */
export interface AdvertisedWorker {
  workerId: string;
  /** Launcher state: starting and ready count toward the target; draining and stopping are on their way out. */
  state: 'starting' | 'ready' | 'draining' | 'stopping';
  gpus: number[];
  startedAt: number;
  pid?: number;
  inFlight: number;
  /** How long it has had nothing in flight (ready workers only); relative, so server clocks need not agree. */
  idleMs?: number;
}

/** What one server runs of one endpoint. */
export interface AdvertisedEndpoint {
  workers: AdvertisedWorker[];
  /** Wanted workers this server could not start for lack of free GPUs. */
  throttled: number;
  /** Launched workers not yet in the store's worker records. */
  initializing: number;
}

/** A server's heartbeat: what it can host and what it runs. */
export interface ServerAdvert {
  serverId: string;
  /** Where operators reach it. */
  baseUrl: string;
  /** When it was written (the server's own clock; informational). */
  at: number;
  /** `server.gpus`. */
  gpus: number[];
  /** GPUs no worker holds now. */
  freeGpus: number;
  /** How many CPU-only workers it may run (gpuCount 0). */
  cpuSlots: number;
  endpoints: Record<string, AdvertisedEndpoint>;
}

/** One server's part of an endpoint's target. */
export interface ServerShare {
  /** Workers (starting or ready) this server should run for the endpoint. */
  target: number;
  /** Its workers to stop gracefully now. */
  retire: string[];
  /** Why this server got what it got (launches and retirements), for operators. */
  why: string;
}

/** The decider's plan for one endpoint. */
export interface FleetAssignment {
  endpointId: string;
  /** Increases with every new plan, so servers apply each plan once. */
  seq: number;
  decidedBy: string;
  at: number;
  /** Fleet-wide target of the previous plan. */
  from: number;
  /** Fleet-wide target (workersMin..workersMax). */
  target: number;
  /** Why the target or the workers changed; empty when nothing did. */
  reason: string;
  shares: Record<string, ServerShare>;
  /** What the decision was made from (fleet-wide). */
  observed: { queued: number; queuedNormal: number; inProgress: number; oldestNormalWaitMs?: number; workers: number };
}

export interface FleetRegistry {
  /**
   * Takes the named lease for `holder` if nobody holds it (SET NX PX), or renews it if `holder` already does
   * (compare-and-set). Returns whether `holder` holds it after the call.
   */
  holdLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `holder` holds it (a clean shutdown hands the decision on at once). */
  releaseLease(name: string, holder: string): Promise<void>;
  leaseHolder(name: string): Promise<string | undefined>;
  /** Writes (or renews) this server's advert; it is listed for ttlMs unless written again. */
  advertise(advert: ServerAdvert, ttlMs: number): Promise<void>;
  /** Removes the server's advert at once (clean shutdown). */
  withdraw(serverId: string): Promise<void>;
  /** Adverts still alive, by serverId. */
  listServers(): Promise<ServerAdvert[]>;
  saveAssignment(assignment: FleetAssignment): Promise<void>;
  getAssignment(endpointId: string): Promise<FleetAssignment | undefined>;
}
