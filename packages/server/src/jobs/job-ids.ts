// Job ids (spec §2.1): a UUID, `sync-` in front for /runsync. Version 7 by default: its leading 48 bits are the
// creation time in ms, so new ids land at the end of every index keyed by id instead of on a random page
// (docs/benchmarks.md measures both). Every other bit is random, 74 bits as the spec asks: never uuid's
// monotonic counter, which makes the next id of the same millisecond guessable, and a sequence of our own
// because uuid's random one leaves its top bit 0 (73 bits).
import { getRandomValues } from 'node:crypto';
import { v4, v7 } from 'uuid';

export type JobIdVersion = 'uuid7' | 'uuid4';

const seqBuffer = new Uint32Array(1);

function randomSeq(): number {
  getRandomValues(seqBuffer);
  return seqBuffer[0] as number;
}

/** Makes job ids of `version`; `now` stamps version 7 ids, so tests that drive the clock drive the ids too. */
export function jobIdMaker(version: JobIdVersion, now: () => number): (sync: boolean) => string {
  const uuid = version === 'uuid4' ? () => v4() : () => v7({ msecs: now(), seq: randomSeq() });
  return (sync) => (sync ? `sync-${uuid()}` : uuid());
}
