// Job ids (spec §2.1): a UUID, `sync-` in front for /runsync. Version 7 by default: its leading 48 bits are the
// creation time in ms, so new ids land at the end of every index keyed by id instead of on a random page
// (docs/benchmarks.md measures both). Every other bit is random, 74 bits as the spec asks: never uuid's
// monotonic counter, which makes the next id of the same millisecond guessable, and a sequence of our own
// because uuid's random one leaves its top bit 0 (73 bits). The random bytes come from a pool refilled once per
// 512 ids, as node's own randomUUID does: one getRandomValues call per id (uuid's default) was 13 % of the CPU
// of `/run`.
import { randomFillSync } from 'node:crypto';
import { v4, v7 } from 'uuid';

export type JobIdVersion = 'uuid7' | 'uuid4';

/** Bytes per id: 16 for uuid's `random`, 4 for the sequence. */
const PER_ID = 20;
const pool = Buffer.alloc(PER_ID * 512);
let used = pool.length;

function nextRandom(): { random: Uint8Array; seq: number } {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += PER_ID;
  return { random: pool.subarray(at, at + 16), seq: pool.readUInt32BE(at + 16) };
}

/** Makes job ids of `version`; `now` stamps version 7 ids, so tests that drive the clock drive the ids too. */
export function jobIdMaker(version: JobIdVersion, now: () => number): (sync: boolean) => string {
  const uuid = version === 'uuid4' ? () => v4() : () => v7({ msecs: now(), ...nextRandom() });
  return (sync) => (sync ? `sync-${uuid()}` : uuid());
}
