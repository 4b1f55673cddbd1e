import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Config } from './config-schema.js';
import { ConfigReload, decideReload } from './config-reload.js';
import { EndpointRegistry } from './endpoint-registry.js';
import { resolveConfig } from './load-config.js';

const file = (endpoints: Record<string, unknown>, rest: Record<string, unknown> = {}) =>
  resolveConfig({ ...rest, endpoints });

describe('decideReload', () => {
  const before = file({ a: { workersMax: 2 }, b: { workersMax: 2 }, c: {} }).endpoints;

  it('keeps a patch while the file leaves its endpoint as it was, and drops it once the file changes it', () => {
    const after = file({ a: { workersMax: 2 }, b: { workersMax: 3 }, c: {} }).endpoints;
    const patches = new Map([
      ['a', { workersMax: 8 }],
      ['b', { workersMax: 8 }],
    ]);
    const decision = decideReload(before, after, patches);
    expect(decision.endpoints['a']?.workersMax).toBe(8);
    expect(decision.endpoints['b']?.workersMax).toBe(3);
    expect(decision.endpoints['c']).toEqual(after['c']);
    expect(decision.patches).toEqual(new Map([['a', { workersMax: 8 }]]));
    expect(decision).toMatchObject({ patchesKept: ['a'], patchesDropped: ['b'] });
  });

  it('drops the patch of an endpoint the file removed, and of one it removed and added back changed', () => {
    const after = file({ a: { workersMax: 5 } }).endpoints;
    const decision = decideReload(
      before,
      after,
      new Map([
        ['a', { idleTimeout: 30 }],
        ['c', { workersMax: 1 }],
      ]),
    );
    expect(Object.keys(decision.endpoints)).toEqual(['a']);
    expect(decision.endpoints['a']).toMatchObject({ workersMax: 5, idleTimeout: 5 });
    expect(decision).toMatchObject({ patchesKept: [], patchesDropped: ['a', 'c'] });
  });

  it('treats an endpoint new to the file as changed: a patch cannot predate it', () => {
    const decision = decideReload({}, before, new Map([['a', { workersMax: 9 }]]));
    expect(decision.endpoints['a']?.workersMax).toBe(2);
    expect(decision.patchesDropped).toEqual(['a']);
  });
});

describe('ConfigReload', () => {
  function setUp(start: Config) {
    const registry = new EndpointRegistry(start.endpoints);
    const next: { config: Config | Error } = { config: start };
    const reload = new ConfigReload(
      start,
      registry,
      () => {
        if (next.config instanceof Error) throw next.config;
        return next.config;
      },
      pino({ level: 'silent' }),
    );
    return { registry, next, reload };
  }

  it('answers what changed, which patches stayed and which went, and what needs a restart', () => {
    const { registry, next, reload } = setUp(file({ a: {}, b: {}, gone: {} }));
    registry.patch('a', { workersMax: 7 });
    registry.patch('b', { workersMax: 7 });
    next.config = file({ a: {}, b: { idleTimeout: 60 }, fresh: {} }, { server: { port: 9999 } });
    expect(reload.reload()).toEqual({
      added: ['fresh'],
      changed: ['b'],
      removed: ['gone'],
      unchanged: ['a'],
      restartRequired: ['server'],
      patchesKept: ['a'],
      patchesDropped: ['b'],
    });
    expect(registry.get('a')?.workersMax).toBe(7);
    expect(registry.get('b')).toMatchObject({ workersMax: 3, idleTimeout: 60 });

    // The kept patch lasts through the next reload too; the file is compared with what it said last time.
    next.config = file({ a: {}, b: { idleTimeout: 60 } });
    expect(reload.reload()).toMatchObject({ removed: ['fresh'], patchesKept: ['a'], patchesDropped: [] });
    expect(registry.get('a')?.workersMax).toBe(7);
  });

  it('refuses a file that cannot be read or breaks a rule, and changes nothing', () => {
    const { registry, next, reload } = setUp(file({ a: {} }));
    registry.patch('a', { workersMax: 7 });
    next.config = new Error('endpoints.a.workersMax: must be at least workersMin');
    expect(() => reload.reload()).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/workersMax/) }),
    );
    expect(registry.get('a')?.workersMax).toBe(7);
    expect(registry.patched('a')).toEqual({ workersMax: 7 });
  });
});
