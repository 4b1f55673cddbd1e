// The live settings of every endpoint: what the configuration file said, changed at runtime by the admin API's
// PATCH and replaced by a reload. The one place anything reads endpoint settings from; parts that act on a
// change (the fleet starts, stops and resizes endpoints) follow its change events instead of re-reading.
import { isDeepStrictEqual } from 'node:util';
import { SluiceError, isPlainObject } from '@sluice/protocol';
import { endpointSchema, type EndpointConfig } from './config-schema.js';

/** The endpoint settings PATCH /admin/endpoints/:id may change. */
export const PATCHABLE_SETTINGS = ['workersMin', 'workersMax', 'idleTimeout', 'scalerType', 'scalerValue'] as const;

export type PatchableSetting = (typeof PATCHABLE_SETTINGS)[number];
/** What PATCH changed of one endpoint, as sent (before the schema's defaults). */
export type EndpointPatch = Partial<Record<PatchableSetting, unknown>>;

export type EndpointChange =
  | { kind: 'added'; id: string; settings: EndpointConfig }
  | { kind: 'changed'; id: string; settings: EndpointConfig; previous: EndpointConfig }
  | { kind: 'removed'; id: string; previous: EndpointConfig };

export type EndpointChangeListener = (change: EndpointChange) => void;

function configError(message: string): SluiceError {
  return new SluiceError('ERR_CONFIG_INVALID', message);
}

/** The settings `patch` makes of `base`, validated by the configuration's own rules; throws ERR_CONFIG_INVALID. */
export function applyPatch(base: EndpointConfig, patch: EndpointPatch): EndpointConfig {
  const parsed = endpointSchema.safeParse({ ...base, ...patch });
  if (!parsed.success) {
    throw configError(parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}

/** A PATCH body as an EndpointPatch, or ERR_CONFIG_INVALID naming what cannot be changed. */
export function parsePatch(body: unknown): EndpointPatch {
  if (!isPlainObject(body)) {
    throw configError(`body must be a JSON object with any of ${PATCHABLE_SETTINGS.join(', ')}`);
  }
  const unknown = Object.keys(body).filter((key) => !(PATCHABLE_SETTINGS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw configError(`${unknown.join(', ')}: cannot be changed at runtime; allowed: ${PATCHABLE_SETTINGS.join(', ')}`);
  }
  return body;
}

export class EndpointRegistry {
  private readonly live = new Map<string, EndpointConfig>();
  /** Per endpoint, every setting PATCHed since the file last set it (a reload decides whether they stay). */
  private readonly patches = new Map<string, EndpointPatch>();
  private readonly listeners = new Set<EndpointChangeListener>();

  constructor(endpoints: Readonly<Record<string, EndpointConfig>>) {
    for (const [id, settings] of Object.entries(endpoints)) this.live.set(id, settings);
  }

  get(id: string): EndpointConfig | undefined {
    return this.live.get(id);
  }

  /** The endpoint's settings, or the 404 every route answers for an unknown endpoint. */
  require(id: string): EndpointConfig {
    const settings = this.live.get(id);
    if (!settings) throw new SluiceError('ERR_ENDPOINT_NOT_FOUND');
    return settings;
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  list(): Array<[id: string, settings: EndpointConfig]> {
    return [...this.live];
  }

  /** The settings PATCHed since the file last set this endpoint, if any. */
  patched(id: string): Readonly<EndpointPatch> | undefined {
    return this.patches.get(id);
  }

  /** Every endpoint's PATCHed settings, by id. */
  allPatches(): ReadonlyMap<string, Readonly<EndpointPatch>> {
    return new Map(this.patches);
  }

  /**
   * Changes settings of one endpoint at runtime (a PATCH body: only PATCHABLE_SETTINGS), validated by the
   * configuration's rules; nothing changes when they are broken. Kept across a reload that leaves the endpoint as
   * the file had it.
   */
  patch(id: string, changes: unknown): EndpointConfig {
    const current = this.require(id);
    const patch = parsePatch(changes);
    const settings = applyPatch(current, patch);
    this.patches.set(id, { ...this.patches.get(id), ...patch });
    this.live.set(id, settings);
    this.emit({ kind: 'changed', id, settings, previous: current });
    return settings;
  }

  /**
   * Replaces every endpoint (a reload): `patches` are the PATCHed settings still in force, already applied in
   * `endpoints`. Emits one event per endpoint added, changed or removed and returns them.
   */
  replace(
    endpoints: Readonly<Record<string, EndpointConfig>>,
    patches: ReadonlyMap<string, EndpointPatch> = new Map(),
  ): EndpointChange[] {
    const changes: EndpointChange[] = [];
    for (const [id, previous] of this.live) {
      if (!Object.hasOwn(endpoints, id)) changes.push({ kind: 'removed', id, previous });
    }
    for (const [id, settings] of Object.entries(endpoints)) {
      const previous = this.live.get(id);
      if (previous === undefined) changes.push({ kind: 'added', id, settings });
      else if (!isDeepStrictEqual(previous, settings)) changes.push({ kind: 'changed', id, settings, previous });
    }
    this.live.clear();
    for (const [id, settings] of Object.entries(endpoints)) this.live.set(id, settings);
    this.patches.clear();
    for (const [id, patch] of patches) if (this.live.has(id)) this.patches.set(id, patch);
    for (const change of changes) this.emit(change);
    return changes;
  }

  /** Calls `listener` after every change, in order; returns the function that stops it. */
  onChange(listener: EndpointChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: EndpointChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
