import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, resolveConfig } from './load-config.js';

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
