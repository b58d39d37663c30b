import { validateResendRequest } from '../lib/resend-request.ts';
import { requeueEvents } from '../services/configuration.ts';
import { jsonBody, respondWithError } from './respond.ts';

/** POST /api/x_incident_io/v1/sync/resend: requeue one incident's events, or all queued since a time (writes: services/configuration.ts). */
export function postResend(request: any, response: any): void {
  const result = validateResendRequest(jsonBody(request));
  if (!result.ok) {
    respondWithError(response, 400, 'Invalid resend request', result.error);
    return;
  }
  response.setStatus(200);
  response.setBody({ requeued: requeueEvents(result.filter) });
}
