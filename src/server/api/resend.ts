import { nowMs, outboxStore } from '../lib/glide-environment.ts';
import { validateResendRequest } from '../lib/resend-request.ts';
import { toGlideDateTime } from '../lib/time.ts';
import { jsonBody, respondWithError } from './respond.ts';

/** POST /api/x_incident_io/v1/sync/resend: requeue one incident's events, or all queued since a time. */
export function postResend(request: any, response: any): void {
  const result = validateResendRequest(jsonBody(request));
  if (!result.ok) {
    respondWithError(response, 400, 'Invalid resend request', result.error);
    return;
  }
  const requeued = outboxStore().requeue(result.filter, toGlideDateTime(nowMs()));
  response.setStatus(200);
  response.setBody({ requeued });
}
