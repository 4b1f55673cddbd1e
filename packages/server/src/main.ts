// startServer: opens the store, builds the app, starts the reaper and the worker launcher, listens, and
// shuts all of it down in order: refuse new work, answer held polls, drain workers, close, flush the store.
import type { Logger } from 'pino';
import { createApp, type SluiceApp } from './app.js';
import type { Config } from './config/config-schema.js';
import { Launcher } from './fleet/launcher.js';
import { Reaper } from './jobs/reaper.js';
import type { JobStore } from './store/job-store.js';

export interface RunningServer {
  sluice: SluiceApp;
  /** The origin clients and workers use, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  launcher: Launcher;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  store: JobStore;
  logger: Logger;
}

function originFor(config: Config, port: number): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/\/+$/, '');
  const host = config.server.host;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export async function startServer({ config, store, logger }: StartOptions): Promise<RunningServer> {
  const server = config.server;
  const sluice = createApp({ store, config, logger });
  const reaper = new Reaper(sluice.context, {
    intervalMs: server.reaperIntervalMs,
    workerLostAfterMs: server.workerLostAfterMs ?? Math.max(3 * server.pingIntervalMs, 30_000),
    maxReclaims: server.maxReclaims,
    endpointIds: () => Object.keys(config.endpoints),
  });
  await sluice.app.listen({ host: server.host, port: server.port });
  const address = sluice.app.server.address();
  const port = typeof address === 'object' && address ? address.port : server.port;
  const baseUrl = originFor(config, port);
  const launcher = new Launcher(
    sluice.context,
    config.endpoints,
    {
      baseUrl,
      pingIntervalMs: server.pingIntervalMs,
      maxReclaims: server.maxReclaims,
      registerToken: (endpointId, token) => sluice.services.auth.addWorkerToken(endpointId, token),
    },
    logger,
  );
  reaper.start();
  launcher.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      logger.info('shutting down: held requests answered, workers draining');
      sluice.beginShutdown();
      await launcher.stop();
      await sluice.app.close();
      await reaper.stop();
      await store.close();
      logger.info('stopped');
    })());
  return { sluice, baseUrl, launcher, close };
}
