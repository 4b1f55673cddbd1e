// Server-sent events over fetch(): EventSource cannot send an Authorization header, and the key must not go
// into a URL. The streaming body is parsed by eventsource-parser, as the CLI's reader does.
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { authHeaders, failure } from './api.js';

export interface ServerEvent {
  /** `message` when the server named none, as EventSource does. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads the events of `path` until the server closes the stream or `signal` aborts. Resolves on a clean end
 * (the caller decides whether to reconnect); rejects with ApiError on a non-2xx answer.
 */
export async function readEvents(
  path: string,
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, {
    headers: authHeaders({ accept: 'text/event-stream' }),
    signal,
    cache: 'no-store',
  });
  if (!response.ok) throw await failure(response);
  if (!response.body) return;
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onEvent({ event: value.event ?? 'message', data: value.data, ...(value.id === undefined ? {} : { id: value.id }) });
  }
}
