// Sends the webhook outbox (spec §5, §9.3): leases due deliveries from the store, POSTs them with bounded
// concurrency and settles each one. Several servers may share the store: a leased delivery is theirs alone
// until the lease lapses, and the lease outlasts an attempt. Delivery never touches the job itself.
//
// The polls run on a PeriodicLoop: idle (a timer waits for the next poll) → polling → idle. kick() while idle
// polls now; kick() while polling asks for one more poll right after it; a retry due sooner than the next
// poll asks for a poll then. Deliveries run outside the poll, at most `concurrency` at once; one that ends kicks
// again if the last poll filled every slot. stop(), for good: no more polls; it waits for the running poll and
// every delivery in flight.
import { systemClock } from '../../clock.js';
import type { Logger } from 'pino';
import type { WebhookDelivery, WebhookOutbox } from '../../store/webhook-outbox.js';
import { logFailure, type OutageLog } from '../outage-log.js';
import { PeriodicLoop } from '../periodic-loop.js';
import type { LookupAll } from './address-policy.js';
import type { PostJson } from './post-json.js';
import { attemptDelivery, settlementFor, type AttemptResult, type WebhookPolicy } from './webhook-attempt.js';

export interface WebhookSenderOptions {
  store: WebhookOutbox;
  policy: WebhookPolicy;
  /** Decoded signing keys of an endpoint; undefined or empty: its deliveries go unsigned. */
  keysFor(endpointId: string): readonly Buffer[] | undefined;
  userAgent: string;
  log: Logger;
  now?: () => number;
  /** Period of the outbox poll (deliveries due after a restart, or from another server). Default 1000. */
  intervalMs?: number;
  /** Deliveries in flight at once. Default 16. */
  concurrency?: number;
  /** One endpoint's deliveries in flight at once, so its slow targets cannot hold every slot. Default 4. */
  maxInFlightPerEndpoint?: number;
  post?: PostJson;
  lookup?: LookupAll;
  /** Told the result of every attempt (metrics): delivered, retry, refused or gave-up. */
  onAttempt?(result: WebhookAttemptOutcome): void;
  /** Store outages are logged once per incident there, instead of once per poll. */
  outages?: OutageLog;
  /** Told each attempt with its delivery (job history). */
  onDelivery?(delivery: WebhookDelivery, attempt: number, result: AttemptResult): void;
}

export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'refused' | 'gave-up';

/** Slack on top of the attempt timeout before a leased delivery may go to another sender. */
const LEASE_MARGIN_MS = 10_000;

function targetOf(url: string): string {
  try {
    // Origin only: paths and queries of webhook URLs often carry tokens.
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export class WebhookSender {
  private readonly loop: PeriodicLoop;
  /** The last poll took as many deliveries as there were free slots: more may be due. */
  private saturated = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Deliveries in flight per endpoint (fair shares of the slots). */
  private readonly inFlightBy = new Map<string, number>();
  private readonly now: () => number;
  private readonly concurrency: number;

  constructor(private readonly options: WebhookSenderOptions) {
    this.now = options.now ?? systemClock;
    this.concurrency = options.concurrency ?? 16;
    this.loop = new PeriodicLoop({
      everyMs: options.intervalMs ?? 1000,
      now: this.now,
      run: () => this.poll(),
      onError: (err) => logFailure(options.outages, options.log, err, 'webhook outbox poll failed'),
    });
  }

  /** Polls at once (deliveries left over from before a restart), then every interval. */
  start(): void {
    this.loop.start({ immediately: true });
  }

  /** Polls now: a job with a webhook has just entered a terminal state. */
  kick(): void {
    this.loop.soon();
  }

  /** Stops polling and waits for the deliveries in flight (each ends within its timeout) to settle. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all([...this.inFlight]);
  }

  private async poll(): Promise<void> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const leaseMs = this.options.policy.timeoutMs + LEASE_MARGIN_MS;
    const maxPerEndpoint = Math.min(this.options.maxInFlightPerEndpoint ?? 4, this.concurrency);
    const due = await this.options.store.takeDueWebhooks(this.now(), free, leaseMs, {
      maxPerEndpoint,
      inFlight: this.inFlightBy,
    });
    for (const delivery of due) {
      const endpointId = delivery.endpointId;
      this.inFlightBy.set(endpointId, (this.inFlightBy.get(endpointId) ?? 0) + 1);
      const sending: Promise<void> = this.deliver(delivery)
        .catch((err: unknown) =>
          this.options.log.error(
            { err, deliveryId: delivery.id },
            'webhook delivery not settled; it is sent again when its lease lapses',
          ),
        )
        .finally(() => {
          this.inFlight.delete(sending);
          const left = (this.inFlightBy.get(endpointId) ?? 1) - 1;
          if (left > 0) this.inFlightBy.set(endpointId, left);
          else this.inFlightBy.delete(endpointId);
          if (this.saturated) this.kick();
        });
      this.inFlight.add(sending);
    }
    // Fewer than asked may also mean an endpoint with due deliveries had its share out: poll again as one ends.
    this.saturated = due.length === free || [...this.inFlightBy.values()].some((n) => n >= maxPerEndpoint);
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const { policy } = this.options;
    const attempt = delivery.attempts + 1;
    const result = await attemptDelivery(delivery, policy, {
      userAgent: this.options.userAgent,
      keys: this.options.keysFor(delivery.endpointId),
      now: this.now,
      post: this.options.post,
      lookup: this.options.lookup,
    });
    const settlement = settlementFor(result, attempt, policy, this.now());
    // If this write fails, the delivery stays leased and goes out again later: at least once, never lost.
    await this.options.store.settleWebhook(delivery.id, settlement);
    const fields = {
      deliveryId: delivery.id,
      endpointId: delivery.endpointId,
      jobId: delivery.jobId,
      target: targetOf(delivery.url),
      attempt,
    };
    this.report(result, settlement.done, fields);
    this.options.onDelivery?.(delivery, attempt, result);
    if (!settlement.done) this.loop.runWithin(settlement.retryAt - this.now());
  }

  private report(result: AttemptResult, done: boolean, fields: Record<string, unknown>): void {
    const { log, policy } = this.options;
    this.options.onAttempt?.(result.kind === 'failed' ? (done ? 'gave-up' : 'retry') : result.kind);
    if (result.kind === 'delivered') log.info({ ...fields, status: result.status }, 'webhook delivered');
    else if (result.kind === 'refused')
      log.error({ ...fields, reason: result.reason }, 'webhook target refused; giving up');
    else if (!done)
      log.warn(
        { ...fields, reason: result.reason, retryInMs: policy.retryDelayMs },
        'webhook attempt failed; will retry',
      );
    else log.error({ ...fields, reason: result.reason }, 'webhook attempt failed; out of attempts, giving up');
  }
}
