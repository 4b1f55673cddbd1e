// Config errors a person can act on: every problem in one pass, with its path, the rule and a suggestion.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfigFile, overridesFromEnv, resolveConfig } from './load-config.js';

function errorOf(raw: unknown): string {
  try {
    resolveConfig(raw, {}, 'sluice.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config errors', () => {
  it('reports every problem of the file in one pass', () => {
    const message = errorOf({
      endpoints: {
        'my model': {},
        echo: { idleTimout: 3, workersMin: 5, workersMax: 2, ttl: 'soon' },
      },
    });
    expect(message.split('\n')).toEqual([
      'sluice.yaml is invalid:',
      '  endpoints."my model": is not a valid endpoint id: use 1-64 characters, each a letter (A-Z, a-z), a digit, "_" or "-"',
      '  endpoints.echo.ttl: must be a duration: a whole number of milliseconds, or a number with a unit (ms, s, m, h, d) such as "60s" or "5m"',
      expect.stringMatching(
        /^ {2}endpoints\.echo\.idleTimout: unknown key "idleTimout" \(did you mean "idleTimeout"\?\); allowed: workersMin, workersMax, idleTimeout, /,
      ),
      '  endpoints.echo.workersMax: must be at least workersMin',
    ]);
  });

  it('suggests the nearest key, and only a near one', () => {
    expect(errorOf({ server: { prot: 80 }, endpoints: {} })).toContain(
      'server.prot: unknown key "prot" (did you mean "port"?)',
    );
    expect(errorOf({ endpoints: { a: { worker: { command: 'node', arg: [] } } } })).toContain(
      'endpoints.a.worker.arg: unknown key "arg" (did you mean "args"?); allowed: command, args, env, cwd',
    );
    expect(errorOf({ endpoints: {}, colour: 'blue' })).toMatch(
      /^ {2}colour: unknown key "colour"; allowed: \$schema, server, store, auth, log, console, endpoints$/m,
    );
  });

  it('names the range of a number', () => {
    expect(errorOf({ endpoints: { a: { executionTimeout: 10 } } })).toContain(
      'endpoints.a.executionTimeout: must be at least 5000 ms',
    );
    expect(errorOf({ server: { port: 70000 }, endpoints: {} })).toContain('server.port: must be at most 65535');
  });
});

describe('durations', () => {
  it('take a unit or plain milliseconds, the same in every duration key', () => {
    const config = resolveConfig({
      server: { workerPollHoldMs: '30s', webhooks: { retryDelayMs: '1.5s' } },
      endpoints: { a: { executionTimeout: '5m', ttl: '1d', runRetention: 60000, idleTimeout: '2m' } },
    });
    expect(config.server.workerPollHoldMs).toBe(30_000);
    expect(config.server.webhooks.retryDelayMs).toBe(1500);
    expect(config.endpoints['a']).toMatchObject({ executionTimeout: 300_000, ttl: 86_400_000, runRetention: 60_000 });
    // idleTimeout keeps RunPod's unit: a plain number is seconds.
    expect(config.endpoints['a']?.idleTimeout).toBe(120);
    expect(resolveConfig({ endpoints: { b: { idleTimeout: 30 } } }).endpoints['b']?.idleTimeout).toBe(30);
  });

  it('refuses fractions of the unit and unknown units', () => {
    expect(errorOf({ endpoints: { a: { idleTimeout: '500ms' } } })).toContain(
      'endpoints.a.idleTimeout: must be a duration: a whole number of seconds',
    );
    expect(errorOf({ endpoints: { a: { ttl: '3 weeks' } } })).toContain('endpoints.a.ttl: must be a duration');
  });

  it('read the same way from the environment', () => {
    expect(overridesFromEnv({ SLUICE_WORKER_POLL_HOLD_MS: '20s' }).workerPollHoldMs).toBe(20_000);
    expect(() => overridesFromEnv({ SLUICE_WORKER_POLL_HOLD_MS: 'later' })).toThrow(
      'SLUICE_WORKER_POLL_HOLD_MS must be a duration',
    );
  });
});

describe('keys from the environment', () => {
  it('adds client, admin and worker keys beside the file keys', () => {
    const env = {
      SLUICE_API_KEYS: 'client-key-0123456789',
      SLUICE_ADMIN_KEYS: 'admin-key-0123456789, admin-key-9876543210',
      SLUICE_WORKER_KEYS: 'worker-key-0123456789',
    };
    const file = { auth: { keys: [{ name: 'file', key: 'file-key-0123456789' }] }, endpoints: {} };
    const keys = resolveConfig(file, overridesFromEnv(env)).auth.keys.map(({ name, kind }) => `${name}:${kind}`);
    expect(keys).toEqual([
      'file:client',
      'env-1:client',
      'env-admin-1:admin',
      'env-admin-2:admin',
      'env-worker-1:worker',
    ]);
  });
});

describe('loadConfigFile', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names the file in its errors', () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
    const path = join(dir, 'sluice.yaml');
    writeFileSync(path, 'endpoints:\n  echo:\n    workersMax: -1\n');
    expect(() => loadConfigFile(path)).toThrow(`${path} is invalid:\n  endpoints.echo.workersMax: must be at least 0`);
  });
});

describe('resolveConfig', () => {
  it('refuses an endpoint named __proto__ instead of dropping it (issue #12 item 10)', () => {
    for (const raw of [
      JSON.parse('{"endpoints": {"__proto__": {}, "ok": {}}}') as unknown,
      parseYaml('endpoints:\n  __proto__: {}\n  ok: {}\n') as unknown,
    ]) {
      expect(() => resolveConfig(raw)).toThrow(ConfigError);
      expect(() => resolveConfig(raw)).toThrow(/endpoints\.__proto__: this endpoint id is reserved/);
    }
  });

  it('serves other names that are Object.prototype members', () => {
    const config = resolveConfig({ endpoints: { constructor: {}, toString: {} } });
    expect(Object.keys(config.endpoints).sort()).toEqual(['constructor', 'toString']);
  });

  it('defaults the request and connection limits', () => {
    expect(resolveConfig({ endpoints: {} }).server).toMatchObject({ requestTimeoutMs: 60_000, maxConnections: 10_000 });
  });
});
