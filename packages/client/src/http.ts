// The one place that calls fetch: builds `/v2/...` URLs and headers, enforces the time limit and the caller's
// signal, and turns every failure into a SluiceClientError. Browser-safe: no node:* imports.
import { ClientErrorCode, SluiceClientError } from './errors.js';

/** The part of `fetch` the client uses; `globalThis.fetch` fits, and so do most wrappers and mocks. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: FetchLike;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path segments after `/v2`, not yet encoded. */
  segments: readonly string[];
  /** Integer query parameters; undefined ones are left out. */
  query?: Readonly<Record<string, number | undefined>>;
  /** Sent as JSON with `Content-Type: application/json` when present. */
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Sends one request and resolves with the parsed JSON of a 200 answer. */
export type Transport = (request: HttpRequest) => Promise<unknown>;

/** `http://host:8080/sluice/` → `http://host:8080/sluice`; anything but an absolute http(s) URL throws. */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl must be an absolute http or https URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`baseUrl must be an http or https URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError(`baseUrl must not have a query or fragment, got ${JSON.stringify(baseUrl)}`);
  }
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

export function buildUrl(baseUrl: string, segments: readonly string[], query?: HttpRequest['query']): string {
  const path = segments.map((segment) => encodeURIComponent(segment)).join('/');
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(name, String(value));
  }
  const search = params.toString();
  return `${baseUrl}/v2/${path}${search === '' ? '' : `?${search}`}`;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function field(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const member = (value as Record<string, unknown>)[name];
  return typeof member === 'string' ? member : undefined;
}

/** A non-200 answer: the server's `{"error"}` text and `code` when it sent them. */
function httpError(response: Response, text: string, label: string): SluiceClientError {
  const parsed = parseJson(text);
  const body = parsed.ok ? parsed.value : text;
  const fallback = `${label} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new SluiceClientError({
    message: (parsed.ok && field(parsed.value, 'error')) || fallback,
    status: response.status,
    code: parsed.ok ? (field(parsed.value, 'code') ?? ClientErrorCode.HTTP) : ClientErrorCode.BAD_RESPONSE,
    body,
  });
}

function abortedError(label: string, reason: unknown): SluiceClientError {
  return new SluiceClientError({
    message: `${label} was aborted`,
    status: 0,
    code: ClientErrorCode.ABORTED,
    cause: reason,
  });
}

export function createTransport(options: TransportOptions): Transport {
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  // Looked up per call, and never called as a method: browsers throw "Illegal invocation" for an unbound fetch.
  const fetchFn: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const auth: Record<string, string> = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {};

  return async function send(request: HttpRequest): Promise<unknown> {
    const url = buildUrl(baseUrl, request.segments, request.query);
    const label = `${request.method} ${url}`;
    const hasBody = request.body !== undefined;
    const init: RequestInit = {
      method: request.method,
      headers: {
        Accept: 'application/json',
        ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
        ...auth,
        ...request.headers,
      },
      // Serialised outside the try below: an unserialisable input is the caller's TypeError, not a network error.
      ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
    };
    const callerSignal = request.signal;
    if (callerSignal?.aborted) throw abortedError(label, callerSignal.reason);

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, request.timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

    let response: Response;
    let text: string;
    try {
      // The signal also covers reading the body, so a server that stalls mid-answer still times out.
      response = await fetchFn(url, { ...init, signal: controller.signal });
      text = await response.text();
    } catch (error) {
      if (callerSignal?.aborted) throw abortedError(label, callerSignal.reason);
      if (timedOut) {
        throw new SluiceClientError({
          message: `${label} timed out after ${request.timeoutMs} ms`,
          status: 0,
          code: ClientErrorCode.TIMEOUT,
          cause: error,
        });
      }
      const detail = error instanceof Error ? error.message : String(error);
      throw new SluiceClientError({
        message: `${label} failed: ${detail}`,
        status: 0,
        code: ClientErrorCode.NETWORK,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }

    if (response.status !== 200) throw httpError(response, text, label);
    const parsed = parseJson(text);
    if (!parsed.ok) {
      throw new SluiceClientError({
        message: `${label} answered 200 with a body that is not JSON`,
        status: 200,
        code: ClientErrorCode.BAD_RESPONSE,
        body: text,
      });
    }
    return parsed.value;
  };
}
