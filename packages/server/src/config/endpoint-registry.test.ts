import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load-config.js';
import { EndpointRegistry, type EndpointChange } from './endpoint-registry.js';

const endpoints = () =>
  resolveConfig({ endpoints: { echo: { workersMax: 4 }, other: { worker: { command: 'node' } } } }).endpoints;

function watched(registry: EndpointRegistry): EndpointChange[] {
  const seen: EndpointChange[] = [];
  registry.onChange((change) => seen.push(change));
  return seen;
}

describe('EndpointRegistry', () => {
  it('answers the settings of each endpoint, and the 404 of an unknown one', () => {
    const registry = new EndpointRegistry(endpoints());
    expect(registry.ids()).toEqual(['echo', 'other']);
    expect(registry.get('echo')).toMatchObject({ workersMax: 4 });
    expect(registry.list().map(([id]) => id)).toEqual(['echo', 'other']);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('__proto__')).toBeUndefined();
    expect(() => registry.require('nope')).toThrow(expect.objectContaining({ code: 'ERR_ENDPOINT_NOT_FOUND' }));
  });

  it('patches scaling settings with the configuration rules, remembers the patch and says what changed', () => {
    const registry = new EndpointRegistry(endpoints());
    const seen = watched(registry);
    const previous = registry.require('echo');
    const settings = registry.patch('echo', { workersMax: 6 });
    expect(settings).toMatchObject({ workersMax: 6, workersMin: 0 });
    expect(registry.get('echo')).toBe(settings);
    registry.patch('echo', { idleTimeout: 9 });
    expect(registry.patched('echo')).toEqual({ workersMax: 6, idleTimeout: 9 });
    expect(seen).toEqual([
      { kind: 'changed', id: 'echo', settings, previous },
      expect.objectContaining({ kind: 'changed', id: 'echo' }),
    ]);
  });

  it('refuses a patch that breaks a rule or names another setting, and changes nothing', () => {
    const registry = new EndpointRegistry(endpoints());
    const seen = watched(registry);
    const before = registry.get('echo');
    for (const body of [{ workersMin: 7 }, { gpuCount: 1 }, [1], null]) {
      expect(() => registry.patch('echo', body)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    }
    expect(() => registry.patch('nope', { workersMax: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_ENDPOINT_NOT_FOUND' }),
    );
    expect(registry.get('echo')).toBe(before);
    expect(registry.patched('echo')).toBeUndefined();
    expect(seen).toEqual([]);
  });

  it('replaces every endpoint, with one event per endpoint added, changed or removed', () => {
    const registry = new EndpointRegistry(endpoints());
    registry.patch('echo', { workersMax: 6 });
    const seen = watched(registry);
    const next = resolveConfig({ endpoints: { echo: { workersMax: 5 }, fresh: {} } }).endpoints;
    const changes = registry.replace(next);
    expect(changes.map(({ kind, id }) => `${kind} ${id}`)).toEqual(['removed other', 'changed echo', 'added fresh']);
    expect(seen).toEqual(changes);
    expect(registry.ids()).toEqual(['echo', 'fresh']);
    expect(registry.get('echo')?.workersMax).toBe(5);
    expect(registry.patched('echo')).toBeUndefined();
    // The same settings again: nothing to say.
    expect(registry.replace(next)).toEqual([]);
  });

  it('keeps the patches it is told are still in force', () => {
    const registry = new EndpointRegistry(endpoints());
    registry.patch('echo', { workersMax: 6 });
    const live = { ...endpoints(), echo: registry.require('echo') };
    expect(registry.replace(live, new Map([['echo', { workersMax: 6 }]]))).toEqual([]);
    expect(registry.patched('echo')).toEqual({ workersMax: 6 });
  });

  it('stops calling a listener once it unsubscribes', () => {
    const registry = new EndpointRegistry(endpoints());
    const seen: string[] = [];
    const stop = registry.onChange((change) => seen.push(change.id));
    registry.patch('echo', { workersMax: 5 });
    stop();
    registry.patch('echo', { workersMax: 6 });
    expect(seen).toEqual(['echo']);
  });
});
