// Server-sent events over fetch(): EventSource cannot send an Authorization header, and the key must not go
// into a URL. Parses the text/event-stream format (event, data, id; comments ignored) from a streaming body.
import { authHeaders, failure } from './api.js';

export interface ServerEvent {
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
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let current: ServerEvent = { event: 'message', data: '' };
  let hasData = false;
  const dispatch = () => {
    if (hasData) onEvent({ ...current, data: current.data.replace(/\n$/, '') });
    current = { event: 'message', data: '' };
    hasData = false;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        dispatch();
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const raw = colon < 0 ? '' : line.slice(colon + 1);
      const text = raw.startsWith(' ') ? raw.slice(1) : raw;
      if (field === 'event') current.event = text;
      else if (field === 'id') current.id = text;
      else if (field === 'data') {
        current.data += `${text}\n`;
        hasData = true;
      }
    }
  }
}
