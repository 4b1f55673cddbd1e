// Server-sent events for `/stream` and `/status-sync` (spec §9.1): who asked for them, and writing a sequence of
// events to a hijacked reply with a keep-alive comment every 15 s.
import type { FastifyReply } from 'fastify';

const KEEP_ALIVE_MS = 15_000;

// True only when `Accept` names `text/event-stream` itself: the wildcard every RunPod client sends (*/*) and
// text/* keep the JSON answer.
export function wantsEventStream(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => range.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}

export interface WireEvent {
  event: string;
  data: unknown;
  id?: number;
}

class EventStream {
  private readonly keepAlive: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly reply: FastifyReply) {
    // From here on Fastify sends nothing for this request: no JSON error, no onResponse hooks.
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise buffer the events.
      'x-accel-buffering': 'no',
    });
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    reply.raw.once('close', () => this.close());
  }

  send({ event, data, id }: WireEvent): void {
    // JSON text has no raw newline, so each event is one `data:` line.
    this.write(`event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    if (!this.reply.raw.writableEnded) this.reply.raw.end();
  }

  private write(text: string): void {
    if (!this.closed) this.reply.raw.write(text);
  }
}

/**
 * Answers with `events` as server-sent events. The first event is awaited before anything is written, so an
 * unknown job or a store outage still gets its normal JSON error; a failure after that ends the stream (the
 * status line is gone). The stream closes when `events` ends.
 */
export async function sendEvents<E>(
  reply: FastifyReply,
  events: AsyncGenerator<E>,
  toWire: (event: E) => WireEvent,
): Promise<FastifyReply> {
  let next = await events.next();
  const stream = new EventStream(reply);
  try {
    for (; !next.done; next = await events.next()) stream.send(toWire(next.value));
  } catch (err) {
    reply.log.warn({ err }, 'event stream ended by an error');
  } finally {
    stream.close();
    await events.return(undefined);
  }
  return reply;
}
