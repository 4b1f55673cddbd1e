// Body handling for every route (spec §1.3): bodies are read raw whatever their Content-Type, never
// form-decoded, and parsed as JSON by the route that needs one. Empty bodies stay `undefined`.
import type { FastifyInstance } from 'fastify';
import { MAX_JSON_DEPTH, SluiceError, jsonNestingExceeds } from '@sluice/protocol';

export function registerRawBodyParser(app: FastifyInstance): void {
  // No route reads the Content-Type, and Fastify refuses one it cannot parse (415) before any parser runs.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers['content-type'] !== undefined) request.headers['content-type'] = 'application/octet-stream';
    done();
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, (body as Buffer).length === 0 ? undefined : body);
  });
}

/** Parses a raw body as JSON; an absent body is `undefined`. Throws the spec's 400 for anything else. */
export function parseJsonBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (!Buffer.isBuffer(body)) return body;
  // Parsing copes with any depth, but storing or answering a far deeper value overflows the stack (a 500).
  if (jsonNestingExceeds(body)) {
    throw new SluiceError('ERR_REQUEST_INVALID_JSON', `json is invalid; nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new SluiceError('ERR_REQUEST_INVALID_JSON', { cause: err });
  }
}
