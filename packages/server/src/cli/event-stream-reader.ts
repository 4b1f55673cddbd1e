// Reading server-sent events for the CLI (`run --wait`, `status --follow`, `logs -f`): one GET with
// `Accept: text/event-stream`, parsed by eventsource-parser. An error answer (the server sends JSON before any
// event) becomes the SluiceClientError its JSON names, as for any other call.
import { ClientErrorCode, SluiceClientError } from '@sluice/client';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { EventSourceMessage } from 'eventsource-parser';

export type { EventSourceMessage };

export interface EventStreamRequest {
  url: URL;
  /** Sent as a Bearer token. */
  key?: string;
  signal?: AbortSignal;
  /** Default: the global fetch. */
  fetch?: (url: URL, init: RequestInit) => Promise<Response>;
}

async function errorOf(res: Response, url: URL): Promise<SluiceClientError> {
  const text = await res.text();
  let answer: { error?: string; code?: string } = {};
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null) answer = json;
  } catch {
    // not JSON: reported by status below
  }
  return new SluiceClientError({
    message: answer.error ?? `GET ${url.pathname} answered ${res.status}`,
    status: res.status,
    code: answer.code ?? ClientErrorCode.HTTP,
    body: text,
  });
}

/** The events of one SSE answer, until the server ends it (or `signal` aborts: then the generator just ends). */
export async function* readEventStream({
  url,
  key,
  signal,
  fetch = globalThis.fetch,
}: EventStreamRequest): AsyncGenerator<EventSourceMessage> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (key) headers['authorization'] = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal });
  } catch (cause) {
    if (signal?.aborted) return;
    throw new SluiceClientError({
      message: `cannot reach ${url.origin}`,
      status: 0,
      code: ClientErrorCode.NETWORK,
      cause,
    });
  }
  if (res.status !== 200) throw await errorOf(res, url);
  if (!res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    throw new SluiceClientError({
      message: `GET ${url.pathname} did not answer with server-sent events`,
      status: res.status,
      code: ClientErrorCode.BAD_RESPONSE,
    });
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    if (signal?.aborted) return;
    throw new SluiceClientError({
      message: `the event stream from ${url.origin} broke off`,
      status: 0,
      code: ClientErrorCode.NETWORK,
      cause: error,
    });
  } finally {
    // A consumer that stops early (a `done` event) closes the connection here.
    await reader.cancel().catch(() => undefined);
  }
}
