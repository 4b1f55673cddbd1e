// In-process wake-ups for long-polls: a waiter parks on a key and is woken by a notify on that key.
// Each key carries a sequence number so a waiter that looked at the store before parking cannot miss a
// notify that landed in between (it sees the sequence moved and returns at once).
// Only a reader creates a key's slot (by reading its sequence): a notify on a key nobody reads is a no-op, so
// the per-job keys that every finished job notifies take no memory until someone waits on them.
//
// Keys: queueKey(ep) wakes ONE job-take waiter per notify (one new job, one worker); jobKey, streamKey,
// changeKey and stopKey wake every waiter, since all readers of a job want to know.
import { systemClock, type Clock } from '../clock.js';

export const queueKey = (endpointId: string) => `q:${endpointId}`;
export const jobKey = (endpointId: string, jobId: string) => `j:${endpointId}:${jobId}`;
export const streamKey = (endpointId: string, jobId: string) => `s:${endpointId}:${jobId}`;
export const stopKey = (endpointId: string, workerId: string) => `x:${endpointId}:${workerId}`;
/** Any change of the job on this server (SSE watchers, spec §9.1); never sent to other servers. */
export const changeKey = (endpointId: string, jobId: string) => `c:${endpointId}:${jobId}`;

interface Waiter {
  wake: () => void;
}

interface Slot {
  seq: number;
  waiters: Waiter[];
  touchedAt: number;
}

/** A slot without waiters is kept this long after its last notify, far longer than any check-then-park gap. */
const IDLE_SLOT_MS = 60_000;

export class Wakeups {
  private readonly slots = new Map<string, Slot>();

  /** `now` only ages idle slots for pruning. */
  constructor(private readonly now: Clock = systemClock) {}

  /** The current sequence of `key`; pass it to `wait` after checking the store. */
  seq(key: string): number {
    const slot = this.slotFor(key);
    slot.touchedAt = this.now();
    return slot.seq;
  }

  /**
   * Resolves true when `key` is notified after `seenSeq` (at once if it already was), false when
   * `timeoutMs` passes or `signal` aborts first.
   */
  wait(key: string, seenSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.seq(key) !== seenSeq) return Promise.resolve(true);
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const slot = this.slotFor(key);
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.remove(key, waiter);
        resolve(woken);
      };
      const waiter: Waiter = { wake: () => finish(true) };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.waiters.push(waiter);
    });
  }

  /** Wakes the longest-waiting waiter of `key` (job-take: one job, one worker). */
  notifyOne(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.seq++;
    slot.touchedAt = this.now();
    slot.waiters[0]?.wake();
  }

  /** Wakes every waiter of `key`. */
  notifyAll(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.seq++;
    slot.touchedAt = this.now();
    for (const waiter of [...slot.waiters]) waiter.wake();
  }

  /** Wakes every waiter of every key (shutdown: held requests answer at once). */
  wakeEverything(): void {
    for (const key of [...this.slots.keys()]) this.notifyAll(key);
  }

  waiterCount(key: string): number {
    return this.slots.get(key)?.waiters.length ?? 0;
  }

  private slotFor(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { seq: 0, waiters: [], touchedAt: this.now() }));
    return slot;
  }

  private remove(key: string, waiter: Waiter): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    const i = slot.waiters.indexOf(waiter);
    if (i >= 0) slot.waiters.splice(i, 1);
  }

  /**
   * Forgets slots with no waiters that nobody read or notified for a while, so per-job keys do not pile up.
   * Safe because a waiter reads the sequence and parks within one store round trip, far shorter than IDLE_SLOT_MS.
   */
  prune(now = this.now()): void {
    for (const [key, slot] of this.slots) {
      if (slot.waiters.length === 0 && now - slot.touchedAt > IDLE_SLOT_MS) this.slots.delete(key);
    }
  }
}
