// What the test run does about the outside programs some suites need (Redis, Chromium), decided once in the
// global setup: use what the machine has, else skip those suites with one line at the end of the run, except
// in CI (`CI=true`), where nothing may be skipped and a missing program fails the run. The probes are passed
// in, so each path is testable without changing the machine.

export type Requirement = 'redis' | 'redis-server' | 'chromium';

/** How to get each requirement, named in the end-of-run line and in the CI failure. */
export const HOW_TO_GET: Record<Requirement, string> = {
  redis: 'apt-get install redis-server, or set REDIS_URL to a Redis that answers',
  'redis-server': 'apt-get install redis-server',
  chromium: 'apt-get install chromium, or set CHROMIUM_PATH',
};

const WHAT: Record<Requirement, string> = {
  redis: 'Redis',
  'redis-server': 'a redis-server binary',
  chromium: 'Chromium',
};

export class RequirementMissingError extends Error {
  constructor(requirement: Requirement, detail: string) {
    super(`CI=true and ${WHAT[requirement]} is missing (${detail}): ${HOW_TO_GET[requirement]}`);
    this.name = 'RequirementMissingError';
    // The message says all there is to know; a stack trace would only bury it in the run's output.
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export interface RedisProbes {
  /** True when a Redis at `url` answers PING. */
  answers(url: string): Promise<boolean>;
  /** Path of an installed redis-server binary, if any. */
  findServerBinary(): string | undefined;
  /** Starts a private redis-server with that binary; resolves once it accepts connections. */
  startPrivate(binary: string): Promise<{ url: string; stop(): Promise<void> }>;
}

export type RedisResolution =
  | { source: 'external'; url: string; serverBinary?: string }
  | { source: 'private'; url: string; serverBinary: string; stop(): Promise<void> }
  | { source: 'missing'; serverBinary?: undefined };

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export async function resolveRedis(env: NodeJS.ProcessEnv, probes: RedisProbes): Promise<RedisResolution> {
  const url = env['REDIS_URL'] || DEFAULT_REDIS_URL;
  const serverBinary = probes.findServerBinary();
  if (await probes.answers(url))
    return serverBinary ? { source: 'external', url, serverBinary } : { source: 'external', url };
  if (serverBinary) {
    const started = await probes.startPrivate(serverBinary);
    return { source: 'private', url: started.url, serverBinary, stop: () => started.stop() };
  }
  if (isCi(env))
    throw new RequirementMissingError('redis', `nothing answers at ${url} and no redis-server is installed`);
  return { source: 'missing' };
}

export interface ChromiumProbes {
  /** True when `path` is an executable file. */
  isExecutable(path: string): boolean;
}

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

export function resolveChromium(env: NodeJS.ProcessEnv, probes: ChromiumProbes): string | undefined {
  const path = env['CHROMIUM_PATH'] || DEFAULT_CHROMIUM_PATH;
  if (probes.isExecutable(path)) return path;
  if (isCi(env)) throw new RequirementMissingError('chromium', `${path} is not an executable`);
  return undefined;
}

export interface SkippedSuite {
  requirement: Requirement;
  suite: string;
}

/** The one line printed at the end of a run that skipped suites; undefined when nothing was skipped. */
export function skippedLine(skipped: readonly SkippedSuite[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const groups = new Map<Requirement, string[]>();
  for (const { requirement, suite } of skipped) {
    const suites = groups.get(requirement) ?? [];
    if (!suites.includes(suite)) suites.push(suite);
    groups.set(requirement, suites);
  }
  const parts = [...groups].map(
    ([requirement, suites]) =>
      `${suites.length} without ${WHAT[requirement]} (${suites.join(', ')}; ${HOW_TO_GET[requirement]})`,
  );
  const total = [...groups.values()].reduce((sum, suites) => sum + suites.length, 0);
  return `Skipped ${total} suite${total === 1 ? '' : 's'}: ${parts.join('; ')}.`;
}
