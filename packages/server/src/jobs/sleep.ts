// A hold that ends early, without an error, when its signal aborts (a long-poll whose client left).
import { setTimeout as delay } from 'node:timers/promises';

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return delay(ms, undefined, { signal }).then(
    () => undefined,
    () => undefined,
  );
}
