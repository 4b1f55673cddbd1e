// The one place errors become HTTP answers: Sluice errors keep their status and text; framework errors
// map to the spec's codes; anything else is a logged 500 that leaks nothing (RunPod's `{"error"}` shape).
import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, isSluiceError, type ErrorCode, errorText } from '@sluice/protocol';

function frameworkCode(err: FastifyError): { code: ErrorCode; message: string } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'ERR_PAYLOAD_TOO_LARGE', message: 'json is invalid; body is too large' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'ERR_REQUEST_INVALID_JSON', message: errorText('ERR_REQUEST_INVALID_JSON') };
    default:
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return { code: 'ERR_REQUEST_INVALID_JSON', message: errorText('ERR_REQUEST_INVALID_JSON') };
      }
      return undefined;
  }
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isSluiceError(err)) {
      if (err.status >= 500) request.log.error({ err }, err.message);
      // Every 429 tells the client when to come back (spec §1.4); senders that know better set it themselves.
      if (err.status === 429 && !reply.hasHeader('retry-after')) void reply.header('Retry-After', '1');
      return reply.code(err.status).send({ error: err.message, code: err.code });
    }
    const mapped = frameworkCode(err);
    if (mapped) {
      const status =
        err.statusCode && err.statusCode >= 400 && err.statusCode < 500
          ? err.statusCode
          : ERROR_CODES[mapped.code].status;
      return reply.code(status).send({ error: mapped.message, code: mapped.code });
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: errorText('ERR_INTERNAL'), code: 'ERR_INTERNAL' });
  });
}
