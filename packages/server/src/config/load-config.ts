// Builds the one typed Config from, in rising precedence: the file, SLUICE_* env vars, then CLI flags.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configErrorMap, describeIssues } from './config-issues.js';
import { configSchema, type Config } from './config-schema.js';
import { durationRule, parseDuration } from './duration.js';

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
  /** Added to `auth.keys` as client (`SLUICE_API_KEYS`), admin and worker keys for all endpoints. */
  apiKeys?: string[];
  adminKeys?: string[];
  workerKeys?: string[];
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

function durationFrom(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(`${name} must be ${durationRule('ms')}, got "${value}"`);
  return ms;
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
    workerPollHoldMs: durationFrom('SLUICE_WORKER_POLL_HOLD_MS', env['SLUICE_WORKER_POLL_HOLD_MS']),
    store,
    sqlitePath: env['SLUICE_SQLITE_PATH'],
    redisUrl: env['SLUICE_REDIS_URL'],
    redisPrefix: env['SLUICE_REDIS_PREFIX'],
    apiKeys: list(env['SLUICE_API_KEYS']),
    adminKeys: list(env['SLUICE_ADMIN_KEYS']),
    workerKeys: list(env['SLUICE_WORKER_KEYS']),
    logLevel: env['SLUICE_LOG_LEVEL'],
    logFormat: env['SLUICE_LOG_FORMAT'],
    workerTokenSecret: env['SLUICE_WORKER_TOKEN_SECRET'],
    insecure: insecure === undefined ? undefined : insecure === '1' || insecure === 'true',
    gpus: list(env['SLUICE_GPUS'])?.map((g) => intFrom('SLUICE_GPUS', g) ?? 0),
  };
}

/** Appends env keys to `auth.keys`, named `<prefix>-1`, `<prefix>-2`, …; file keys stay valid. */
function addKeys(raw: Raw, keys: string[] | undefined, kind: 'client' | 'admin' | 'worker', prefix: string): void {
  if (!keys || keys.length === 0) return;
  const auth = section(raw, 'auth');
  const list = Array.isArray(auth['keys']) ? (auth['keys'] as unknown[]) : [];
  keys.forEach((key, i) => list.push({ name: `${prefix}-${i + 1}`, key, kind }));
  auth['keys'] = list;
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
  addKeys(raw, o.apiKeys, 'client', 'env');
  addKeys(raw, o.adminKeys, 'admin', 'env-admin');
  addKeys(raw, o.workerKeys, 'worker', 'env-worker');
  if (o.workerTokenSecret !== undefined) section(raw, 'auth')['workerTokenSecret'] = o.workerTokenSecret;
  if (o.logLevel !== undefined) section(raw, 'log')['level'] = o.logLevel;
  if (o.logFormat !== undefined) section(raw, 'log')['format'] = o.logFormat;
}

/** Validates a raw config object (as read from a file) after applying overrides. */
export function resolveConfig(rawInput: unknown, overrides: ConfigOverrides = {}, source = 'config'): Config {
  if (typeof rawInput !== 'object' || rawInput === null || Array.isArray(rawInput)) {
    throw new ConfigError(`${source}: must be an object with an "endpoints" key`);
  }
  const raw = structuredClone(rawInput) as Raw;
  // JSON and YAML parsers keep `__proto__` as a key, but the schema's record drops it without a word: the endpoint
  // would silently not exist. Refuse it by name instead.
  const endpoints = raw['endpoints'];
  if (typeof endpoints === 'object' && endpoints !== null && Object.hasOwn(endpoints, '__proto__')) {
    throw new ConfigError(`${source} is invalid:\n  endpoints.__proto__: this endpoint id is reserved; choose another`);
  }
  applyOverrides(raw, overrides);
  const result = configSchema.safeParse(raw, { error: configErrorMap });
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
