// One delivery attempt (spec §5, §9.3): vet the target, sign, POST within the timeout, and decide what the
// outbox does next: done (sent, refused, or out of attempts) or try again after the retry delay.
import type { WebhookDelivery } from '../../store/webhook-outbox.js';
import { lookupAll, vetTarget, type LookupAll } from './address-policy.js';
import { postJson, type PostJson } from './post-json.js';
import { signedHeaders } from './signature.js';

export interface WebhookPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  retryDelayMs: number;
  /** Per attempt, DNS lookup included. */
  timeoutMs: number;
  blockPrivateAddresses: boolean;
  /** Addresses and ranges never refused (link-local and unspecified ones are, unless listed). */
  allowAddresses?: readonly string[];
}

export type AttemptResult =
  /** A 2xx answer. */
  | { kind: 'delivered'; status: number }
  /** Another status, a network error or a timeout: worth another attempt. */
  | { kind: 'failed'; reason: string }
  /** The target is not allowed: never worth another attempt. */
  | { kind: 'refused'; reason: string };

export interface AttemptDeps {
  userAgent: string;
  /** Decoded signing keys of the delivery's endpoint; none: unsigned. */
  keys?: readonly Buffer[];
  now(): number;
  post?: PostJson;
  lookup?: LookupAll;
}

export type Settlement = { done: true } | { done: false; retryAt: number };

/** What the outbox does after attempt number `attempt` (1-based) ended with `result` at `now`. */
export function settlementFor(result: AttemptResult, attempt: number, policy: WebhookPolicy, now: number): Settlement {
  if (result.kind !== 'failed' || attempt >= policy.attempts) return { done: true };
  return { done: false, retryAt: now + policy.retryDelayMs };
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
}

function parseTarget(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Makes one attempt; never throws. */
export async function attemptDelivery(
  delivery: WebhookDelivery,
  policy: WebhookPolicy,
  deps: AttemptDeps,
): Promise<AttemptResult> {
  const url = parseTarget(delivery.url);
  if (url === undefined) return { kind: 'refused', reason: 'not an absolute http or https URL' };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), policy.timeoutMs);
  const aborted = rejectOnAbort(abort.signal);
  aborted.catch(() => undefined);
  try {
    // Always vetted: link-local and unspecified targets are refused whatever blockPrivateAddresses says.
    const verdict = await Promise.race([vetTarget(url, policy, deps.lookup ?? lookupAll), aborted]);
    if ('refused' in verdict) return { kind: 'refused', reason: verdict.refused };
    const { addresses } = verdict;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': deps.userAgent };
    if (deps.keys !== undefined && deps.keys.length > 0) {
      Object.assign(headers, signedHeaders(deps.keys, delivery.id, Math.floor(deps.now() / 1000), delivery.body));
    }
    const post = deps.post ?? postJson;
    const status = await Promise.race([
      post({ url, body: delivery.body, headers, signal: abort.signal, addresses }),
      aborted,
    ]);
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    return { kind: 'failed', reason: `answered ${status}` };
  } catch (error) {
    if (abort.signal.aborted) return { kind: 'failed', reason: `no answer within ${policy.timeoutMs} ms` };
    return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
