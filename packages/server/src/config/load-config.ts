// Builds the one typed Config from, in rising precedence: the file, SLUICE_* env vars, then CLI flags.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './config-schema.js';

/** Overrides from flags or env, already named after config keys. */
export interface ConfigOverrides {
  host?: string;
  port?: number;
  publicUrl?: string;
  workerPollHoldMs?: number;
  store?: 'sqlite' | 'redis';
  sqlitePath?: string;
  redisUrl?: string;
  redisPrefix?: string;
  apiKeys?: string[];
  workerTokenSecret?: string;
  logLevel?: string;
  logFormat?: string;
  insecure?: boolean;
  gpus?: number[];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Raw = Record<string, unknown>;

function section(raw: Raw, key: string): Raw {
  const value = raw[key];
  if (value === undefined || value === null) return (raw[key] = {});
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`config: ${key} must be an object`);
  return value as Raw;
}

function intFrom(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new ConfigError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
}

/** Reads the SLUICE_* variables documented in docs/configuration.md. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  const list = (v: string | undefined) =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const store = env['SLUICE_STORE'];
  if (store !== undefined && store !== 'sqlite' && store !== 'redis') {
    throw new ConfigError(`SLUICE_STORE must be "sqlite" or "redis", got "${store}"`);
  }
  const insecure = env['SLUICE_INSECURE'];
  return {
    host: env['SLUICE_HOST'],
    port: intFrom('SLUICE_PORT', env['SLUICE_PORT']),
    publicUrl: env['SLUICE_PUBLIC_URL'],
    workerPollHoldMs: intFrom('SLUICE_WORKER_POLL_HOLD_MS', env['SLUICE_WORKER_POLL_HOLD_MS']),
    store,
    sqlitePath: env['SLUICE_SQLITE_PATH'],
    redisUrl: env['SLUICE_REDIS_URL'],
    redisPrefix: env['SLUICE_REDIS_PREFIX'],
    apiKeys: list(env['SLUICE_API_KEYS']),
    logLevel: env['SLUICE_LOG_LEVEL'],
    logFormat: env['SLUICE_LOG_FORMAT'],
    workerTokenSecret: env['SLUICE_WORKER_TOKEN_SECRET'],
    insecure: insecure === undefined ? undefined : insecure === '1' || insecure === 'true',
    gpus: list(env['SLUICE_GPUS'])?.map((g) => intFrom('SLUICE_GPUS', g) ?? 0),
  };
}

function applyOverrides(raw: Raw, o: ConfigOverrides): void {
  const server = section(raw, 'server');
  const set = (target: Raw, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };
  set(server, 'host', o.host);
  set(server, 'port', o.port);
  set(server, 'publicUrl', o.publicUrl);
  set(server, 'workerPollHoldMs', o.workerPollHoldMs);
  set(server, 'insecure', o.insecure);
  set(server, 'gpus', o.gpus);
  if (o.store !== undefined || o.sqlitePath !== undefined || o.redisUrl !== undefined || o.redisPrefix !== undefined) {
    const store = section(raw, 'store');
    const kind = o.store ?? (store['kind'] as string | undefined) ?? (o.redisUrl ? 'redis' : 'sqlite');
    if (kind !== store['kind']) for (const key of Object.keys(store)) delete store[key];
    store['kind'] = kind;
    if (kind === 'sqlite') set(store, 'path', o.sqlitePath);
    else {
      set(store, 'url', o.redisUrl);
      set(store, 'prefix', o.redisPrefix);
    }
  }
  if (o.apiKeys && o.apiKeys.length > 0) {
    const auth = section(raw, 'auth');
    const keys = Array.isArray(auth['keys']) ? (auth['keys'] as unknown[]) : [];
    o.apiKeys.forEach((key, i) => keys.push({ name: `env-${i + 1}`, key, kind: 'client' }));
    auth['keys'] = keys;
  }
  if (o.workerTokenSecret !== undefined) section(raw, 'auth')['workerTokenSecret'] = o.workerTokenSecret;
  if (o.logLevel !== undefined) section(raw, 'log')['level'] = o.logLevel;
  if (o.logFormat !== undefined) section(raw, 'log')['format'] = o.logFormat;
}

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Validates a raw config object (as read from a file) after applying overrides. */
export function resolveConfig(rawInput: unknown, overrides: ConfigOverrides = {}, source = 'config'): Config {
  if (typeof rawInput !== 'object' || rawInput === null || Array.isArray(rawInput)) {
    throw new ConfigError(`${source}: must be an object with an "endpoints" key`);
  }
  const raw = structuredClone(rawInput) as Raw;
  applyOverrides(raw, overrides);
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source} is invalid:\n${describeIssues(result.error.issues)}`);
  return result.data;
}

/** Reads a JSON or YAML file (YAML is a superset of JSON) and resolves it. */
export function loadConfigFile(path: string, overrides: ConfigOverrides = {}): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON or YAML: ${(err as Error).message}`);
  }
  return resolveConfig(raw, overrides, path);
}
