// `sluice serve`: loads the config, refuses an open network listener without keys, starts the server,
// prints how to try it, and stops cleanly on SIGTERM or SIGINT.
import { createLogger } from './create-logger.js';
import {
  ConfigError,
  loadConfigFile,
  overridesFromEnv,
  resolveConfig,
  type ConfigOverrides,
} from '../config/load-config.js';
import type { Config } from '../config/config-schema.js';
import { startServer } from '../main.js';
import { openHistoryStores, openStore } from './open-store.js';

export interface ServeFlags {
  config?: string;
  host?: string;
  port?: string;
  store?: 'sqlite' | 'redis';
  sqlitePath?: string;
  redisUrl?: string;
  logLevel?: string;
  logFormat?: string;
  insecure?: boolean;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function loadServeConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): Config {
  const fromEnv = overridesFromEnv(env);
  const fromFlags: ConfigOverrides = {
    host: flags.host,
    port: flags.port === undefined ? undefined : Number(flags.port),
    store: flags.store,
    sqlitePath: flags.sqlitePath,
    redisUrl: flags.redisUrl,
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
    insecure: flags.insecure,
  };
  const overrides: ConfigOverrides = { ...fromEnv };
  for (const [key, value] of Object.entries(fromFlags)) {
    if (value !== undefined) (overrides as Record<string, unknown>)[key] = value;
  }
  const path = flags.config ?? env['SLUICE_CONFIG'];
  const config = path ? loadConfigFile(path, overrides) : resolveConfig({ endpoints: {} }, overrides, 'defaults');
  if (config.auth.keys.length === 0 && !LOOPBACK.test(config.server.host) && !config.server.insecure) {
    throw new ConfigError(
      `refusing to listen on ${config.server.host} with no API keys: anyone on the network could run jobs. ` +
        'Configure auth.keys (or SLUICE_API_KEYS), listen on 127.0.0.1, or pass --insecure.',
    );
  }
  return config;
}

function tryItText(baseUrl: string, config: Config): string {
  const ids = Object.keys(config.endpoints);
  if (ids.length === 0) return 'No endpoints configured: add some under `endpoints:` in the config file.';
  const auth = config.auth.keys.length > 0 ? ' -H "Authorization: Bearer $SLUICE_API_KEY"' : '';
  const lines = [`Sluice is serving ${ids.join(', ')} on ${baseUrl}. Try:`, ''];
  const first = ids[0];
  lines.push(
    `  curl -s -X POST ${baseUrl}/v2/${first}/runsync${auth} -H 'Content-Type: application/json' -d '{"input": {"text": "hello sluice"}}'`,
    `  curl -s -X POST ${baseUrl}/v2/${first}/run${auth} -H 'Content-Type: application/json' -d '{"input": {"text": "hello"}}'`,
    `  curl -s ${baseUrl}/v2/${first}/status/<id>${auth}`,
    `  curl -s ${baseUrl}/v2/${first}/health${auth}`,
  );
  for (const id of ids.slice(1)) {
    lines.push(
      `  curl -s -X POST ${baseUrl}/v2/${id}/run${auth} -H 'Content-Type: application/json' -d '{"input": {"text": "stream me"}}'`,
      `  curl -s ${baseUrl}/v2/${id}/stream/<id>${auth}`,
    );
  }
  return lines.join('\n');
}

export async function serve(flags: ServeFlags): Promise<void> {
  const config = loadServeConfig(flags, process.env);
  const logger = createLogger(config.log, process.stdout);
  if (config.auth.keys.length === 0) logger.warn('auth is off: no API keys configured (development mode)');
  const store = await openStore(config.store);
  // POST /admin/reload reads the file again, with the same flags and environment on top.
  const reloadConfig = () => loadServeConfig(flags, process.env);
  const { history, logs } = await openHistoryStores(config.store);
  const server = await startServer({ config, store, history, logs, logger, reloadConfig });
  process.stdout.write(`\n${tryItText(server.baseUrl, config)}\n\n`);
  const stop = (signal: string) => {
    logger.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
