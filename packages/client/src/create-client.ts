// Entry point of @sluice/client: one configured client per server, handing out per-endpoint clients.
import { EndpointClient } from './endpoint-client.js';
import { createTransport, normalizeBaseUrl, type FetchLike } from './http.js';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ClientOptions {
  /** The server origin, e.g. `http://127.0.0.1:8080` (a path prefix is kept; trailing slashes are dropped). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Replaces `globalThis.fetch`, e.g. for proxies, retries or tests. */
  fetch?: FetchLike;
  /** Time limit of non-blocking calls in ms (default 10000). Blocking calls get their `wait` + 15 s. */
  timeoutMs?: number;
}

export interface SluiceClient {
  /** The normalised `baseUrl`. */
  readonly baseUrl: string;
  endpoint(endpointId: string): EndpointClient;
}

export function createClient(options: ClientOptions): SluiceClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('timeoutMs must be a positive number');
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const send = createTransport({ ...options, baseUrl });
  return {
    baseUrl,
    endpoint: (endpointId) => new EndpointClient(send, endpointId, timeoutMs),
  };
}
