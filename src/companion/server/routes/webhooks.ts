import { HEADER } from '../../../server/contract/push-event';
import type { FastifyInstance } from 'fastify';
import type { SyncEngine } from '../../sync/sync-engine';
import type { SyncMetrics } from '../../sync/metrics';
import { sendError } from '../api-error';
import { tracePoint } from '../../../shared/latency-trace';

const SIGNATURE_HEADER = HEADER.signature.toLowerCase();
const EVENT_ID_HEADER = HEADER.eventId.toLowerCase();

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * `POST /webhooks/servicenow/:connection`: the app's pushes. The body is read raw (the signature
 * covers its exact bytes), only as application/json (415 otherwise) and up to `bodyLimit` (413).
 * Everything else is receivePush's: 404, 400, 401, or 200 once the event is stored.
 */
export function webhookRoutes(engine: SyncEngine, metrics: SyncMetrics, bodyLimit: number) {
  return async (scope: FastifyInstance): Promise<void> => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

    scope.post<{ Params: { connection: string } }>('/webhooks/servicenow/:connection', { bodyLimit }, async (request, reply) => {
      tracePoint('c.push.received');
      const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' || !Buffer.isBuffer(request.body)) {
        metrics.eventsRejected.inc({ reason: 'unsupported_media_type' });
        return sendError(reply, 415, 'unsupported_media_type', 'Send the body as application/json.');
      }
      const answer = await engine.receivePush({
        connectionName: request.params.connection,
        rawBody: request.body,
        signature: firstHeader(request.headers[SIGNATURE_HEADER]),
        eventIdHeader: firstHeader(request.headers[EVENT_ID_HEADER]),
      });
      tracePoint('c.push.answered');
      if (answer.status === 200) return reply.code(200).send({ status: answer.result, event_id: answer.eventId });
      return sendError(reply, answer.status, answer.code, answer.message, answer.details ?? null);
    });
  };
}
