// The fetch()-based server-sent events reader: events split across chunks, CRLF, comments, multi-line data,
// the bearer key in a header (never the URL), and a refused key turning into a new key prompt.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, credentials } from './api.js';
import { readEvents, type ServerEvent } from './event-stream.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

const storage = new Map<string, string>();

beforeEach(() => {
  storage.clear();
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => storage.set(k, v),
    removeItem: (k: string) => storage.delete(k),
  });
});
afterEach(() => vi.unstubAllGlobals());

describe('readEvents', () => {
  it('parses events split anywhere across chunks, with CRLF, comments and multi-line data', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) =>
      Promise.resolve(
        new Response(
          streamOf([
            ': keep-alive\n\nevent: sta',
            'tus\ndata: {"id":"a",',
            '"status":"IN_PROGRESS"}\n\r\nevent: line\r\nid: 7\r\ndata: one\r\ndata: two\r\n\r\n',
            'data: no event name\n\n',
            'event: done\ndata: {"status":"COMPLETED"}\n\n',
          ]),
          { status: 200, headers: { 'content-type': 'text/event-stream' } },
        ),
      ),
    );
    vi.stubGlobal('fetch', fetch);
    credentials.set('admin-key-0123456789');
    const events: ServerEvent[] = [];
    await readEvents('/v2/e/status-sync/a', (e) => events.push(e), new AbortController().signal);
    expect(events).toEqual([
      { event: 'status', data: '{"id":"a","status":"IN_PROGRESS"}' },
      { event: 'line', id: '7', data: 'one\ntwo' },
      { event: 'message', data: 'no event name' },
      { event: 'done', data: '{"status":"COMPLETED"}' },
    ]);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/v2/e/status-sync/a');
    expect(init?.headers).toEqual({ accept: 'text/event-stream', authorization: 'Bearer admin-key-0123456789' });
  });

  it('rejects with the server error on a non-2xx answer, and forgets a refused key', async () => {
    vi.stubGlobal('fetch', async () =>
      Promise.resolve(
        new Response(JSON.stringify({ error: 'unauthorized', code: 'ERR_AUTH_UNAUTHORIZED' }), { status: 401 }),
      ),
    );
    credentials.set('wrong-key-0123456789');
    const refused: boolean[] = [];
    const unsubscribe = credentials.onUnauthorized((hadKey) => refused.push(hadKey));
    const error = await readEvents('/x', () => undefined, new AbortController().signal).catch((e: unknown) => e);
    unsubscribe();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'ERR_AUTH_UNAUTHORIZED', message: 'unauthorized' });
    expect(credentials.get()).toBeNull();
    expect(refused).toEqual([true]);
  });
});
