// HTTP to the worker API over global fetch: raw-token auth, a per-request timeout, and job-done retries.
import { sleep } from './sleep.js';

export interface HttpResponse {
  status: number;
  text: string;
}

export interface RequestOptions {
  /**
   * Cancels the request while it waits for the answer's headers. Once headers are in, the body is read
   * to the end (bounded by the timeout): a job-take answer aborted mid-body would lose a job the server
   * has already leased to us.
   */
  signal?: AbortSignal;
  /** Overrides the client's default timeout. */
  timeoutMs?: number;
}

export interface HttpClient {
  get(url: string, options?: RequestOptions): Promise<HttpResponse>;
  post(url: string, body: string, options?: RequestOptions): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  /** Sent as `Authorization: <key>` with no scheme, as every runpod-python worker request does (spec §1.2). */
  apiKey?: string;
  /** Abandon any request after this long (runpod-python: 90 s; spec §1.5 keeps server holds below it). */
  timeoutMs: number;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const headers: Record<string, string> = {};
  if (options.apiKey) headers['Authorization'] = options.apiKey;

  async function send(method: string, url: string, body: string | undefined, opts: RequestOptions = {}) {
    const controller = new AbortController();
    const timeoutMs = opts.timeoutMs ?? options.timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new DOMException(`request timed out after ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const cancel = (): void => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) cancel();
    else opts.signal?.addEventListener('abort', cancel, { once: true });
    try {
      const response = await fetch(url, {
        method,
        headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
        body,
        signal: controller.signal,
      });
      opts.signal?.removeEventListener('abort', cancel);
      return { status: response.status, text: await response.text() };
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', cancel);
    }
  }

  return {
    get: (url, opts) => send('GET', url, undefined, opts),
    post: (url, body, opts) => send('POST', url, body, opts),
  };
}

export type PostOutcome =
  { ok: true; status: number } | { ok: false; status?: number; error?: unknown; attempts: number };

export interface PostRetryOptions {
  /** Waits between attempts; attempts = delays + 1. runpod-python: 3 attempts, about +2 s and +3 s. */
  delaysMs: readonly number[];
  /** Stops retrying (and cancels a pending attempt) when aborted. */
  signal?: AbortSignal;
}

/**
 * POSTs a job-done or job-stream body. Retries only network errors and 5xx: the server never answers
 * 5xx for a post it applied and tolerates repeats, while a 4xx (unknown job, oversize) will not improve.
 */
export async function postWithRetry(
  http: HttpClient,
  url: string,
  body: string,
  options: PostRetryOptions,
): Promise<PostOutcome> {
  let last: { status?: number; error?: unknown } = {};
  for (let attempt = 0; attempt <= options.delaysMs.length; attempt++) {
    if (attempt > 0) await sleep(options.delaysMs[attempt - 1] ?? 0, options.signal);
    if (options.signal?.aborted) return { ok: false, ...last, attempts: attempt };
    try {
      const { status } = await http.post(url, body, { signal: options.signal });
      if (status >= 200 && status < 300) return { ok: true, status };
      if (status < 500) return { ok: false, status, attempts: attempt + 1 };
      last = { status };
    } catch (error) {
      last = { error };
    }
  }
  return { ok: false, ...last, attempts: options.delaysMs.length + 1 };
}
