// Everything a route needs, built once by createApp.
import type { Config } from '../config/config-schema.js';
import type { Dispatcher } from '../jobs/dispatcher.js';
import type { HealthReporter } from '../jobs/health-reporter.js';
import type { JobService } from '../jobs/job-service.js';
import type { WorkerPosts } from '../jobs/worker-posts.js';
import type { WorkerPresence } from '../jobs/worker-presence.js';
import type { Auth } from './auth.js';

export interface AppServices {
  config: Config;
  auth: Auth;
  jobs: JobService;
  dispatcher: Dispatcher;
  posts: WorkerPosts;
  presence: WorkerPresence;
  health: HealthReporter;
  /** Aborts when the server begins shutting down: held requests answer at once. */
  shutdownSignal: AbortSignal;
}
