// Everything a route needs, built once by createApp.
import type { FastifyReply } from 'fastify';
import type { Clock } from '../clock.js';
import type { Config, EndpointConfig } from '../config/config-schema.js';
import type { EndpointRegistry } from '../config/endpoint-registry.js';
import type { Dispatcher } from '../jobs/dispatcher.js';
import type { HealthReporter } from '../jobs/health-reporter.js';
import type { OutageLog } from '../jobs/outage-log.js';
import type { JobService } from '../jobs/job-service.js';
import type { WorkerPosts } from '../jobs/worker-posts.js';
import type { WorkerPresence } from '../jobs/worker-presence.js';
import type { Auth, RouteKind } from './auth.js';

/** What the admission hook learns about a request once its key and endpoint are known. */
export interface AdmittedRoute {
  operation: string;
  kind: RouteKind;
  endpointId: string;
  endpoint: EndpointConfig;
}

export interface AppServices {
  /** The configuration the server started with, but endpoints: their live settings are in `endpoints`. */
  config: Omit<Config, 'endpoints'>;
  endpoints: EndpointRegistry;
  /** The server's clock (the job context's). */
  now: Clock;
  auth: Auth;
  jobs: JobService;
  dispatcher: Dispatcher;
  posts: WorkerPosts;
  presence: WorkerPresence;
  health: HealthReporter;
  /** Store outages, logged once per incident; the readiness probe ends one. */
  outages: OutageLog;
  /** Aborts when the server begins shutting down: held requests answer at once. */
  shutdownSignal: AbortSignal;
  /** Aborts a little later, once workers have drained: held client requests (runsync, status-sync, stream) answer. */
  clientHoldsEnd: AbortSignal;
  /**
   * Runs for every route after auth and endpoint resolution, before the body is read; throws to refuse the
   * request (rate limits, spec §4.10).
   */
  admit?: (route: AdmittedRoute, reply: FastifyReply) => void;
}
