// Wake-ups shared by every server on one store: an optional capability of stores that several processes share.

/** A wake-up that must reach every server sharing the store (spec: architecture §3, dispatch across servers). */
export interface StoreSignal {
  /** queue: a job entered an endpoint's queue; job: a job reached a terminal state; stream: an item was appended; stop: a job-stop is pending. */
  kind: 'queue' | 'job' | 'stream' | 'stop';
  endpointId: string;
  /** Job id (job, stream), worker id (stop), or '' (queue). */
  id: string;
}

/**
 * Optional capability of stores shared by several server processes: a broadcast of wake-ups. A server
 * publishes what it changed; every other server's subscriber wakes its local long-polls. Delivery may be
 * lost (a waiter then re-checks when its hold ends), so correctness never depends on it, only latency.
 */
export interface StoreSignals {
  publish(signal: StoreSignal): void;
  /** Signals published by other processes (never this one's own). Returns an unsubscribe function. */
  subscribe(listener: (signal: StoreSignal) => void): () => void;
}
