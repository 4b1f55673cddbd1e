// The items of the streaming scenario, shared by the @sluice/worker generator and the bare relay worker so that
// both produce the same bytes at the same pace: `count` small items `intervalMs` apart, each stamped with the
// moment it is yielded on the machine's monotonic clock (monoMs: CLOCK_MONOTONIC, the same in every process).
import { monoMs, sleep } from '../lib/stats.js';

export async function* tokenItems({ count, intervalMs }) {
  for (let i = 0; i < count; i++) {
    await sleep(intervalMs);
    yield { i, token: ' tok', t: monoMs() };
  }
}
