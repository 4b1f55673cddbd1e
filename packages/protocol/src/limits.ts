// Numeric ranges and defaults of the contract (spec §1.5, §2.4–§2.6), in milliseconds and bytes.

export interface Range {
  min: number;
  max: number;
}

export const MB = 1_048_576;

export const RANGES = {
  runsyncWait: { min: 1000, max: 300_000 },
  statusSyncWait: { min: 1000, max: 300_000 },
  streamWait: { min: 1000, max: 300_000 },
  statusTtl: { min: 1000, max: 604_800_000 },
  executionTimeout: { min: 5000, max: 604_800_000 },
  ttl: { min: 10_000, max: 604_800_000 },
  runRetention: { min: 60_000, max: 86_400_000 },
  syncRetention: { min: 60_000, max: 300_000 },
  workerPollHold: { min: 1000, max: 80_000 },
} as const satisfies Record<string, Range>;

export const DEFAULTS = {
  runsyncWait: 90_000,
  statusSyncWait: 90_000,
  streamWait: 8_000,
  executionTimeout: 600_000,
  ttl: 86_400_000,
  runRetention: 1_800_000,
  syncRetention: 60_000,
  workerPollHold: 30_000,
  maxRunBytes: 10 * MB,
  maxRunsyncBytes: 20 * MB,
  maxStreamItemBytes: 1 * MB,
  maxResultBytes: 20 * MB,
  maxBatchSize: 64,
  pingInterval: 10_000,
  maxReclaims: 1,
} as const;

/**
 * Deepest array/object nesting accepted in a JSON body (sluice decision): far deeper values overflow the stack
 * of JSON.stringify when stored or answered, and runpod-python cannot decode more than about 1000 levels.
 */
export const MAX_JSON_DEPTH = 1000;

/** True if the JSON text in `bytes` nests arrays and objects deeper than `max`; one pass, strings skipped. */
export function jsonNestingExceeds(bytes: Uint8Array, max: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  // UTF-8 continuation bytes are all >= 0x80, so the ASCII bytes tested here are never part of a character.
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > max) return true;
    } else if (b === 0x5d || b === 0x7d) depth--;
  }
  return false;
}

export function inRange(value: number, range: Range): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** "10 MB" for 10 MiB, as RunPod words its size errors; small custom caps read in KB. */
export function formatMb(bytes: number): string {
  const mb = bytes / MB;
  if (Number.isInteger(mb)) return `${mb} MB`;
  return mb >= 0.1 ? `${mb.toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`;
}
