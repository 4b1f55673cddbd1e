// One HTTP POST of a webhook body over node:http(s): no redirects followed (a 3xx is just a status), a fresh
// connection per attempt, an optional pinned address list instead of a second DNS lookup, and an abort signal.
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface PostRequest {
  url: URL;
  body: string;
  headers: Record<string, string>;
  /** Aborts the attempt (the per-attempt timeout). */
  signal: AbortSignal;
  /** Connect only to these (already vetted) addresses. */
  addresses?: LookupAddress[];
}

/** Resolves with the response status once the response has been read; rejects on network errors and aborts. */
export type PostJson = (request: PostRequest) => Promise<number>;

function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (options.all || first === undefined) callback(null, addresses);
    else callback(null, first.address, first.family);
  };
}

export const postJson: PostJson = ({ url, body, headers, signal, addresses }) =>
  new Promise<number>((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // No pooled keep-alive socket outlives the attempt.
        agent: false,
        signal,
        lookup: addresses ? pinnedLookup(addresses) : undefined,
      },
      (res: IncomingMessage) => {
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
        res.once('close', () => {
          if (!res.complete) reject(new Error('response aborted'));
        });
        res.resume();
      },
    );
    req.once('error', reject);
    req.end(body);
  });
