import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { isStoreUnavailable } from '../store';
import { isTransactionConflict } from '../store/backend';
import { ConcurrentChangeError, SyncApiError } from '../sync/errors';
import type { SyncMetrics } from '../sync/metrics';

/**
 * Every error answer has one shape: `{"error": {"code", "message", "details"}}`, `details` null
 * unless there is more to say (the fields a request got wrong). A 500 says nothing about the
 * cause (it is logged instead).
 */

export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

export function errorBody(code: string, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details } };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, details: unknown = null): FastifyReply {
  return reply.code(status).type('application/json').send(errorBody(code, message, details));
}

/** Fastify's own request errors, in our shape (and counted when they refuse a push). */
const FASTIFY_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the body as application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large', message: 'The body is larger than this endpoint accepts.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length', message: 'Content-Length does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is empty; send a JSON object.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is not valid JSON.' },
};

export function errorHandler(logger: Logger, metrics: SyncMetrics) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof SyncApiError) return sendError(reply, error.status, error.code, error.message, error.details ?? null);
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    const isWebhook = request.url.startsWith('/webhooks/');
    if (known) {
      if (isWebhook) metrics.eventsRejected.inc({ reason: known.code });
      return sendError(reply, known.status, known.code, known.message);
    }
    if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
      return sendError(reply, 400, 'invalid_json', 'The body is not valid JSON.');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'bad_request', error.message);
    }
    if (isStoreUnavailable(error)) {
      // The app keeps a push answered 503 in its outbox and sends it again; nothing is lost.
      logger.warn({ method: request.method, url: request.url.split('?')[0], err: describeError(error) }, 'the database is unavailable');
      if (isWebhook) metrics.eventsRejected.inc({ reason: 'store_unavailable' });
      void reply.header('retry-after', '5');
      return sendError(reply, 503, 'store_unavailable', 'The database is unavailable; try again shortly.');
    }
    if (isTransactionConflict(error) || error instanceof ConcurrentChangeError) {
      // Other changes to the same rows won every retry: nothing was changed, and the same request can be sent again.
      logger.warn({ method: request.method, url: request.url.split('?')[0], err: describeError(error) }, 'a change lost every retry to concurrent changes');
      if (isWebhook) metrics.eventsRejected.inc({ reason: 'busy' });
      void reply.header('retry-after', '1');
      return sendError(reply, 503, 'busy', 'Other changes to the same incident kept conflicting with this one; nothing was changed. Send it again.');
    }
    logger.error({ method: request.method, url: request.url.split('?')[0], err: describeError(error) }, 'request failed');
    return sendError(reply, 500, 'internal_error', 'Something went wrong on our side; it was logged.');
  };
}
