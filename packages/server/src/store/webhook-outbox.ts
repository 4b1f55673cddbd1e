// The webhook outbox contract: deliveries a transition queued (store/job-store.ts adds them in the same atomic
// step as a job's terminal state), leased to one sender at a time. The webhook sender depends on this only.
// Guarantees every implementation gives (checked by describeWebhookOutboxConformance, conformance-outbox.ts):
// - a leased delivery is no other caller's until its lease lapses; earliest due first;
// - a delivery settled done is never handed out again; a rescheduled one not before its `retryAt`.

/** Fair shares of the sender's slots (issue #12 item 3): one endpoint's slow targets cannot hold them all. */
export interface WebhookTakeLimits {
  /** At most this many of one endpoint's deliveries in flight at once, those in `inFlight` included. */
  maxPerEndpoint: number;
  /** The caller's deliveries in flight now, per endpoint. */
  inFlight: ReadonlyMap<string, number>;
}

export interface WebhookDelivery {
  /** Unique per delivery, stable across its attempts (the `webhook-id` header). */
  id: string;
  endpointId: string;
  jobId: string;
  url: string;
  /** The exact JSON text to POST. */
  body: string;
  /** Attempts already made. */
  attempts: number;
}

export interface WebhookOutbox {
  /**
   * Leases up to `max` deliveries due at `now` for `leaseMs`, so no other server sends them meanwhile; earliest
   * due first, skipping an endpoint once `limits` says it has its share in flight.
   */
  takeDueWebhooks(now: number, max: number, leaseMs: number, limits?: WebhookTakeLimits): Promise<WebhookDelivery[]>;
  /** Ends a delivery (sent or given up), or schedules its next attempt at `retryAt`. */
  settleWebhook(id: string, outcome: { done: true } | { done: false; retryAt: number }): Promise<void>;
}
