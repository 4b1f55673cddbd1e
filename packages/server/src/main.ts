// startServer: opens the store, builds the app, starts the reaper, the webhook sender and the worker fleet
// (launcher + autoscaler), listens, and shuts all of it down in order: refuse new work, answer held polls, drain
// workers, close, send the webhooks in flight, flush the store.
import type { Logger } from 'pino';
import { createApp, type SluiceApp } from './app.js';
import { systemClock } from './clock.js';
import { workerLostAfterMs, type Config } from './config/config-schema.js';
import { ConfigReload } from './config/config-reload.js';
import { EndpointRegistry } from './config/endpoint-registry.js';
import { Fleet } from './fleet/fleet.js';
import type { HistoryRecorder } from './jobs/history-recorder.js';
import { FORGET_WORKERS_AFTER_MS, Reaper } from './jobs/reaper.js';
import { OutageLog } from './jobs/outage-log.js';
import { createWebhookSender } from './jobs/webhooks/create-webhook-sender.js';
import { registerMetricsRoute } from './metrics/metrics-route.js';
import { SluiceMetrics } from './metrics/sluice-metrics.js';
import { registerAdminRoutes } from './routes/admin/admin-routes.js';
import type { JobHistory } from './store/job-history.js';
import type { JobLogStore } from './store/job-log-store.js';
import type { SluiceStore } from './store/sluice-store.js';
import type { JobRecord } from './store/job-record.js';

export interface RunningServer {
  sluice: SluiceApp;
  /** The origin clients and workers use, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  fleet: Fleet;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  store: SluiceStore;
  /** Job history and worker logs (admin jobs and logs routes); absent: not kept. */
  history?: JobHistory;
  logs?: JobLogStore;
  logger: Logger;
  /** Re-reads the configuration the way it was first read (POST /admin/reload); absent: nothing to reload. */
  reloadConfig?: () => Config;
}

/** How often a closing server looks again for keep-alive connections that became idle. */
const IDLE_SWEEP_MS = 50;

/**
 * Closes the app, answering what is in flight. Node closes the keep-alive connections idle when the close begins;
 * a held request answered after that (its last store read awaits a group commit or a Redis round trip, an SSE
 * stream ends) leaves its connection idle but open until keepAliveTimeout (72 s), and the close would wait for it.
 */
async function closeApp(app: SluiceApp['app']): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}

function originFor(config: Config, port: number): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/\/+$/, '');
  const host = config.server.host;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export async function startServer({
  config,
  store,
  history,
  logs,
  logger,
  reloadConfig,
}: StartOptions): Promise<RunningServer> {
  const server = config.server;
  // The live endpoint settings: PATCH and reload change them here, and every part reads them here.
  const endpoints = new EndpointRegistry(config.endpoints);
  let metrics: SluiceMetrics | undefined;
  const outages = new OutageLog(logger, systemClock);
  // Built after the sender, which reports each attempt to the job history.
  const later: { recorder?: HistoryRecorder } = {};
  const webhooks = createWebhookSender(
    config,
    endpoints,
    store,
    logger,
    (result) => metrics?.webhookAttempt(result),
    outages,
    (delivery, attempt, result) => later.recorder?.noteWebhookAttempt(delivery, attempt, result),
  );
  const fleet = new Fleet(
    endpoints,
    { pingIntervalMs: server.pingIntervalMs, maxReclaims: server.maxReclaims, gpus: server.gpus, shared: server.fleet },
    logger,
  );
  const onTerminal = (job: JobRecord) => {
    // The outbox row is written with the transition; sending it now saves waiting for the next poll.
    if (job.webhook !== undefined) webhooks.kick();
    fleet.noteTerminal(job);
    metrics?.jobFinished(job);
  };
  const onQueued = (job: JobRecord) => fleet.noteQueued(job);
  const onPostIgnored = (endpointId: string, reason: string) => metrics?.workerPostIgnored(endpointId, reason);
  const onDispatched = (endpointId: string, via: string, count: number) =>
    metrics?.jobsDispatched(endpointId, via, count);
  const sluice = createApp({
    store,
    history,
    logs,
    config,
    endpoints,
    logger,
    onTerminal,
    onQueued,
    onPostIgnored,
    onDispatched,
    fleet,
    outages,
  });
  later.recorder = sluice.context.history;
  const reload = reloadConfig ? new ConfigReload(config, endpoints, reloadConfig, logger) : undefined;
  registerAdminRoutes(sluice.app, sluice.services, fleet, reload);
  if (server.metrics.enabled) {
    metrics = new SluiceMetrics({
      store,
      endpointIds: () => endpoints.ids(),
      health: (endpointId) => sluice.services.health.health(endpointId),
      fleetStates: (endpointId) => fleet.workerStates(endpointId),
      now: () => sluice.context.now(),
    });
    registerMetricsRoute(sluice.app, metrics, server.metrics.token);
  }
  const reaper = new Reaper(sluice.context, {
    intervalMs: server.reaperIntervalMs,
    workerLostAfterMs: workerLostAfterMs(server),
    startedAt: sluice.context.now(),
    maxReclaims: server.maxReclaims,
    endpointIds: () => endpoints.ids(),
    // Per-worker memory of workers gone for good (autoscaled and refresh_worker fleets churn through ids).
    onTick: (now) => sluice.services.presence.prune(now, 2 * FORGET_WORKERS_AFTER_MS),
  });
  await sluice.app.listen({ host: server.host, port: server.port });
  const address = sluice.app.server.address();
  const port = typeof address === 'object' && address ? address.port : server.port;
  const baseUrl = originFor(config, port);
  reaper.start();
  webhooks.start();
  fleet.start({
    ctx: sluice.context,
    baseUrl,
    issueToken: (endpointId, workerId) => sluice.services.auth.issueWorkerToken(endpointId, workerId),
    unregisterToken: (endpointId, token) => sluice.services.auth.removeWorkerToken(endpointId, token),
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: held requests answered, workers draining');
      sluice.beginShutdown();
      await fleet.stop();
      sluice.endHolds();
      await closeApp(sluice.app);
      await reaper.stop();
      await webhooks.stop();
      await sluice.context.logs?.flush();
      await sluice.context.history?.settle();
      await Promise.all([store.close(), history?.close(), logs?.close()]);
      logger.info('stopped');
    })());
  return { sluice, baseUrl, fleet, close };
}
