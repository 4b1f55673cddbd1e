// POST /admin/reload: reads the configuration file again and applies its endpoints to the registry, deciding
// which runtime PATCHes survive. Rule: a PATCH stays while the file leaves its endpoint as it was; once the file
// changes (or removes) that endpoint, the file wins and the PATCH is dropped (docs/adr/0009-endpoint-registry.md).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { SluiceError } from '@sluice/protocol';
import type { Config, EndpointConfig } from './config-schema.js';
import { applyPatch, type EndpointPatch, type EndpointRegistry } from './endpoint-registry.js';

export interface ReloadReport {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
  /** Sections that differ from the running configuration but only take effect after a restart. */
  restartRequired: string[];
  /** Endpoints whose PATCHed settings stay: the file left them as they were. */
  patchesKept: string[];
  /** Endpoints whose PATCHed settings are gone: the file changed or removed them, and the file wins. */
  patchesDropped: string[];
}

export interface ReloadDecision {
  /** The live settings from now on: the new file's, with the PATCHes kept applied on top. */
  endpoints: Record<string, EndpointConfig>;
  patches: Map<string, EndpointPatch>;
  patchesKept: string[];
  patchesDropped: string[];
}

/** The file's endpoints before and after, and the PATCHes made meanwhile: what the endpoints become. */
export function decideReload(
  fileBefore: Readonly<Record<string, EndpointConfig>>,
  fileAfter: Readonly<Record<string, EndpointConfig>>,
  patches: ReadonlyMap<string, EndpointPatch>,
): ReloadDecision {
  const decision: ReloadDecision = { endpoints: {}, patches: new Map(), patchesKept: [], patchesDropped: [] };
  for (const [id, settings] of Object.entries(fileAfter)) {
    const patch = patches.get(id);
    const before = Object.hasOwn(fileBefore, id) ? fileBefore[id] : undefined;
    decision.endpoints[id] = settings;
    if (patch === undefined) continue;
    if (before !== undefined && isDeepStrictEqual(before, settings)) {
      // Valid on this very base when it was made, so valid now.
      decision.endpoints[id] = applyPatch(settings, patch);
      decision.patches.set(id, patch);
      decision.patchesKept.push(id);
    } else {
      decision.patchesDropped.push(id);
    }
  }
  for (const id of patches.keys()) if (!Object.hasOwn(fileAfter, id)) decision.patchesDropped.push(id);
  decision.patchesKept.sort();
  decision.patchesDropped.sort();
  return decision;
}

const RESTART_SECTIONS = ['server', 'store', 'auth', 'log'] as const;

function configError(message: string): SluiceError {
  return new SluiceError('ERR_CONFIG_INVALID', message);
}

export class ConfigReload {
  /** What the file said at the last (re)load: the base PATCHes were made on. */
  private file: Readonly<Record<string, EndpointConfig>>;

  /**
   * `running`: the configuration the server started with (sections outside `endpoints` keep it until a restart);
   * `read`: re-reads the configuration the way it was first read (file, then env and flags on top).
   */
  constructor(
    private readonly running: Config,
    private readonly registry: EndpointRegistry,
    private readonly read: () => Config,
    private readonly log: Logger,
  ) {
    this.file = running.endpoints;
  }

  /** Applies the file's endpoints at once; a file that breaks a rule changes nothing (ERR_CONFIG_INVALID). */
  reload(): ReloadReport {
    let next: Config;
    try {
      next = this.read();
    } catch (err) {
      throw configError(err instanceof Error ? err.message : String(err));
    }
    const decision = decideReload(this.file, next.endpoints, this.registry.allPatches());
    const changes = this.registry.replace(decision.endpoints, decision.patches);
    this.file = next.endpoints;
    const ids = (kind: string) => changes.filter((c) => c.kind === kind).map((c) => c.id);
    const moved = new Set(changes.map((c) => c.id));
    const report: ReloadReport = {
      added: ids('added'),
      changed: ids('changed'),
      removed: ids('removed'),
      unchanged: Object.keys(decision.endpoints).filter((id) => !moved.has(id)),
      restartRequired: RESTART_SECTIONS.filter((section) => !isDeepStrictEqual(this.running[section], next[section])),
      patchesKept: decision.patchesKept,
      patchesDropped: decision.patchesDropped,
    };
    this.log.info(report, 'configuration reloaded');
    return report;
  }
}
