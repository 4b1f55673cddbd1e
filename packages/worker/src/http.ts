// HTTP to the worker API: raw-token auth, a per-request timeout, and job-done retries. It speaks
// node:http over keep-alive agents rather than global fetch: undici's fetch cost 1.0–1.5 ms of CPU per
// request in a worker against 0.3–0.5 ms here, and a worker makes several requests per job (issue #7).
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
  /**
   * Closes the pooled connections. Idle ones never keep the process alive, but an embedding process
   * that calls `start()` again should not carry the old worker's sockets. A later request reconnects.
   */
  close(): void;
}

export interface HttpClientOptions {
  /** Sent as `Authorization: <key>` with no scheme, as every runpod-python worker request does (spec §1.2). */
  apiKey?: string;
  /** Abandon any request after this long (runpod-python: 90 s; spec §1.5 keeps server holds below it). */
  timeoutMs: number;
}

/**
 * No socket cap: each job-take, job-stop and in-flight post holds its own connection, and a cap would
 * queue posts behind long-polls. LIFO reuses the warmest socket and lets the rest reach the server's
 * keep-alive timeout and close.
 */
const AGENT_OPTIONS = { keepAlive: true, scheduling: 'lifo' } as const;

/**
 * What a kept-alive socket the server closed just as we reused it fails with. Nothing reached the
 * server's handler, so one retry on a fresh socket is safe (job posts tolerate repeats anyway).
 */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const headers: Record<string, string> = {};
  if (options.apiKey) headers['Authorization'] = options.apiKey;
  let httpAgent: HttpAgent | undefined;
  let httpsAgent: HttpsAgent | undefined;

  function open(url: URL, method: string, requestHeaders: Record<string, string>): ClientRequest {
    if (url.protocol === 'http:') {
      httpAgent ??= new HttpAgent(AGENT_OPTIONS);
      return httpRequest(url, { method, headers: requestHeaders, agent: httpAgent });
    }
    if (url.protocol === 'https:') {
      httpsAgent ??= new HttpsAgent(AGENT_OPTIONS);
      return httpsRequest(url, { method, headers: requestHeaders, agent: httpsAgent });
    }
    throw new TypeError(`unsupported protocol in ${url.href}: only http: and https: are`);
  }

  async function send(method: string, url: string, body: string | undefined, opts: RequestOptions = {}) {
    const target = new URL(url);
    const { signal } = opts;
    signal?.throwIfAborted();
    const timeoutMs = opts.timeoutMs ?? options.timeoutMs;
    const requestHeaders =
      body === undefined
        ? headers
        : { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };

    return new Promise<HttpResponse>((resolve, reject) => {
      let current: ClientRequest | undefined;
      let settled = false;
      const settle = (error: unknown, response?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (response) return resolve(response);
        current?.destroy();
        // An abort rejects with the signal's own reason, whatever it is, as fetch does.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      };
      const onAbort = (): void => settle(signal?.reason);
      const timer = setTimeout(
        () => settle(new DOMException(`request timed out after ${timeoutMs} ms`, 'TimeoutError')),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });

      const attempt = (isRetry: boolean): void => {
        let responded = false;
        const req = open(target, method, requestHeaders);
        current = req;
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (settled) return;
          if (!isRetry && !responded && req.reusedSocket && STALE_SOCKET_CODES.has(err.code ?? '')) {
            return attempt(true);
          }
          settle(err);
        });
        req.on('response', (res: IncomingMessage) => {
          responded = true;
          // From here on only the timeout may cut the request short (see RequestOptions.signal).
          signal?.removeEventListener('abort', onAbort);
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, text: decode(chunks) }));
          res.on('error', (err) => settle(err));
          res.on('close', () => {
            if (!res.complete) settle(new Error('the connection closed before the answer was complete'));
          });
        });
        req.end(body);
      };
      try {
        attempt(false);
      } catch (err) {
        settle(err);
      }
    });
  }

  return {
    get: (url, opts) => send('GET', url, undefined, opts),
    post: (url, body, opts) => send('POST', url, body, opts),
    close: () => {
      httpAgent?.destroy();
      httpsAgent?.destroy();
      httpAgent = httpsAgent = undefined;
    },
  };
}

/** Decoded once, so a multi-byte character split across chunks comes out whole. */
function decode(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8');
}

export type PostOutcome =
  /** `text` is the answer; a result delivered in a batch has none of its own (result-batcher.ts). */
  | { ok: true; status: number; attempts: number; text?: string }
  /** `error` is what was thrown, or the server's reason for one result of a batch. */
  | { ok: false; status?: number; error?: unknown; attempts: number };

export interface PostRetryOptions {
  /** Waits between attempts; attempts = delays + 1. runpod-python: 3 attempts, about +2 s and +3 s. */
  delaysMs: readonly number[];
  /** Stops retrying (and cancels a pending attempt) when aborted. */
  signal?: AbortSignal;
  /**
   * Retries 429 too. Off for job-done and job-stream, whose retries follow runpod-python's (5xx only); a batch
   * of results turns it on, since giving up there would drop many results at once.
   */
  retryTooManyRequests?: boolean;
}

/**
 * POSTs a job-done, job-stream or job-done-batch body. Retries only network errors and 5xx (and 429 when
 * asked): the server never answers 5xx for a post it applied and tolerates repeats, while a 4xx (unknown
 * job, oversize) will not improve.
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
      const { status, text } = await http.post(url, body, { signal: options.signal });
      if (status >= 200 && status < 300) return { ok: true, status, text, attempts: attempt + 1 };
      const retryable = status >= 500 || (status === 429 && options.retryTooManyRequests === true);
      if (!retryable) return { ok: false, status, attempts: attempt + 1 };
      last = { status };
    } catch (error) {
      last = { error };
    }
  }
  return { ok: false, ...last, attempts: options.delaysMs.length + 1 };
}
