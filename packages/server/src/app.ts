// createApp: the Fastify instance with every route and the job services, over any SluiceStore. No listen,
// no signals, no timers: main.ts starts those, and tests drive this with `inject`.
import { setMaxListeners } from 'node:events';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { errorText } from '@sluice/protocol';
import { systemClock } from './clock.js';
import { workerLostAfterMs, type Config } from './config/config-schema.js';
import { EndpointRegistry } from './config/endpoint-registry.js';
import { Auth } from './http/auth.js';
import type { AppServices } from './http/app-services.js';
import { registerErrorHandler } from './http/error-handler.js';
import { createRateLimitHook } from './http/rate-limiter.js';
import { registerRawBodyParser } from './http/raw-body.js';
import { rewriteUrl } from './http/url-rewrite.js';
import { Dispatcher } from './jobs/dispatcher.js';
import { HealthReporter, type FleetView } from './jobs/health-reporter.js';
import { createJobContext, type JobContext } from './jobs/job-context.js';
import { HistoryRecorder } from './jobs/history-recorder.js';
import { jobIdMaker } from './jobs/job-ids.js';
import { JobLogs } from './jobs/job-logs.js';
import { JobService } from './jobs/job-service.js';
import { OutageLog } from './jobs/outage-log.js';
import { LeaseMonitor } from './jobs/lease-monitor.js';
import { wake } from './jobs/publishing-store.js';
import { Wakeups } from './jobs/wakeups.js';
import { WorkerPosts } from './jobs/worker-posts.js';
import { WorkerPresence } from './jobs/worker-presence.js';
import { registerCancelRetryRoutes } from './routes/public/cancel-retry.js';
import { registerConsoleRoutes } from './routes/console/console-routes.js';
import { registerProbeRoutes } from './routes/public/probes.js';
import { registerQueueHealthRoutes } from './routes/public/queue-health.js';
import { registerRunRoutes } from './routes/public/run.js';
import { registerStatusRoutes } from './routes/public/status.js';
import { registerStreamRoute } from './routes/public/stream.js';
import { registerJobDoneBatchRoute } from './routes/worker/job-done-batch.js';
import { registerJobPostRoutes } from './routes/worker/job-posts.js';
import { registerStopPingRoutes } from './routes/worker/job-stop-ping.js';
import { registerJobTakeRoutes } from './routes/worker/job-take.js';
import { registerHistoryRoutes } from './routes/admin/history-routes.js';
import type { JobHistory } from './store/job-history.js';
import type { JobLogStore } from './store/job-log-store.js';
import type { SluiceStore } from './store/sluice-store.js';
import type { JobRecord } from './store/job-record.js';

export interface AppOptions {
  store: SluiceStore;
  /** Read at start; endpoint settings live on in `endpoints`. */
  config: Config;
  /** The live endpoint settings (shared with the fleet and the reload); made from `config.endpoints` when absent. */
  endpoints?: EndpointRegistry;
  /** pino logger, or false for none (tests). */
  logger?: Logger | false;
  now?: () => number;
  fleet?: FleetView;
  onTerminal?: (job: JobRecord) => void;
  /** A job entered the queue (the fleet's cold start). */
  onQueued?: (job: JobRecord) => void;
  onPostIgnored?: JobContext['onPostIgnored'];
  onDispatched?: JobContext['onDispatched'];
  /** Shared with the server's timer loops, so one outage is logged once; made here when absent. */
  outages?: OutageLog;
  /** Job history (the admin jobs routes); absent: those list nothing. */
  history?: JobHistory;
  /** Worker log lines (the admin log routes); absent: those answer 404. */
  logs?: JobLogStore;
}

export interface SluiceApp {
  app: FastifyInstance;
  services: AppServices;
  context: JobContext;
  /**
   * Graceful shutdown, step one: refuses new jobs and answers held worker polls (429, so workers back off),
   * while client holds keep waiting for the results draining workers still post.
   */
  beginShutdown(): void;
  /** Step two, before closing: every held client request answers with the job as it is now. */
  endHolds(): void;
}

/**
 * The largest body any route may need to read; routes enforce their endpoint's own caps below it. Fixed when the
 * server starts: a reload that raises a cap past it admits bodies up to it only, until a restart.
 */
function largestBodyCap(endpoints: EndpointRegistry): number {
  let max = 1024 * 1024;
  for (const [, e] of endpoints.list()) {
    max = Math.max(max, e.maxRunBytes, e.maxRunsyncBytes, e.maxResultBytes, e.maxStreamItemBytes);
  }
  return max;
}

export function createApp(options: AppOptions): SluiceApp {
  const { config, store } = options;
  const { endpoints: _fromFile, ...settings } = config;
  const endpoints = options.endpoints ?? new EndpointRegistry(config.endpoints);
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger ? (options.logger as FastifyBaseLogger) : undefined,
    rewriteUrl: (req) => rewriteUrl(req.url ?? '/'),
    exposeHeadRoutes: false,
    bodyLimit: largestBodyCap(endpoints),
    // Covers receiving the request only (Node's requestTimeout), not a held answer: a client sending its body slowly
    // cannot keep a socket past this, while long-polls still hold up to 300 s (spec §1.5).
    requestTimeout: config.server.requestTimeoutMs,
    // Node reads the timeout when the server is constructed (Fastify sets it later, which Node 20 ignores), and
    // checks for requests past it every connectionsCheckingInterval: 30 s by default, far past the timeout.
    http: {
      requestTimeout: config.server.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(5000, config.server.requestTimeoutMs),
    },
    // Workers long-poll without pause: a log line per request would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 256 },
    // A URL the router cannot even read (bad escapes, an over-long id) matches no route: RunPod's 404 shape.
    frameworkErrors: (_error, _request, reply: FastifyReply) => {
      void reply.code(404).send({ error: errorText('ERR_ROUTE_NOT_FOUND'), code: 'ERR_ROUTE_NOT_FOUND' });
    },
  });
  app.server.maxConnections = config.server.maxConnections;
  const shutdown = new AbortController();
  const clientHolds = new AbortController();
  // Every held request listens on one of these until it ends: thousands at once is normal, not a leak.
  setMaxListeners(0, shutdown.signal, clientHolds.signal);
  const now = options.now ?? systemClock;
  const wakeups = new Wakeups(now);
  const log = options.logger || (app.log as Logger);
  const outages = options.outages ?? new OutageLog(log, now);
  const endpoint = (id: string) => endpoints.get(id);
  const history = options.history ? new HistoryRecorder({ endpoint, now, log }, options.history) : undefined;
  const context: JobContext = createJobContext({
    store,
    wakeups,
    endpoint,
    now,
    log,
    newJobId: jobIdMaker(config.server.jobIds, now),
    outages,
    onTerminal: options.onTerminal,
    onQueued: options.onQueued,
    onPostIgnored: options.onPostIgnored,
    onDispatched: options.onDispatched,
    ...(history ? { history } : {}),
    onTransition: (change) => {
      history?.record(change);
      context.logs?.noteTransition(change);
    },
  });
  if (options.logs) {
    context.logs = new JobLogs({
      store: options.logs,
      wakeups,
      log,
      now,
      historyRetention: (id) => (options.history ? (context.endpoint(id)?.historyRetention ?? 0) : 0),
    });
  }
  const server = config.server;
  const services: AppServices = {
    config: settings,
    endpoints,
    now,
    auth: new Auth(config.auth.keys, config.auth.workerTokenSecret),
    jobs: new JobService(context),
    dispatcher: new Dispatcher(context),
    posts: new WorkerPosts(context),
    presence: new WorkerPresence(
      context,
      new LeaseMonitor(context, {
        pingIntervalMs: server.pingIntervalMs,
        maxReclaims: server.maxReclaims,
        verdictsFrom: context.now() + workerLostAfterMs(server),
      }),
    ),
    outages,
    health: new HealthReporter(
      context,
      options.fleet,
      Math.max(3 * server.pingIntervalMs, 2 * server.workerPollHoldMs),
    ),
    shutdownSignal: shutdown.signal,
    clientHoldsEnd: clientHolds.signal,
    admit: createRateLimitHook(() => context.now()),
  };

  // Wake-ups published by other servers sharing the store reach this server's long-polls.
  const unsubscribe = store.signals?.subscribe((signal) => wake(wakeups, signal));
  app.addHook('onClose', () => unsubscribe?.());

  registerRawBodyParser(app);
  registerErrorHandler(app, outages);
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: errorText('ERR_ROUTE_NOT_FOUND'), code: 'ERR_ROUTE_NOT_FOUND' }),
  );
  for (const register of [
    registerRunRoutes,
    registerStatusRoutes,
    registerStreamRoute,
    registerCancelRetryRoutes,
    registerQueueHealthRoutes,
    registerJobTakeRoutes,
    registerJobPostRoutes,
    registerJobDoneBatchRoute,
    registerStopPingRoutes,
  ]) {
    register(app, services);
  }
  registerProbeRoutes(app, services, () => store.checkWritable(context.now()));
  registerHistoryRoutes(app, services, context);
  registerConsoleRoutes(app, { ...config.console, log });

  return {
    app,
    services,
    context,
    beginShutdown() {
      shutdown.abort();
      wakeups.wakeEverything();
    },
    endHolds() {
      shutdown.abort();
      clientHolds.abort();
      wakeups.wakeEverything();
    },
  };
}
