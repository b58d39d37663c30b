import { queueTestEvent } from '../lib/admin-actions.ts';
import { config, instanceName, nowMs, outboxStore, testEventDeps } from '../lib/glide-environment.ts';
import { buildStatus } from '../lib/status.ts';
import { respondWithError } from './respond.ts';

/** GET /api/x_incident_io/v1/admin/status: what the Status page shows (app admins only). */
export function getStatus(_request: any, response: any): void {
  response.setStatus(200);
  response.setBody(buildStatus({ config: config(), store: outboxStore(), nowMs: nowMs(), instance: instanceName() }));
}

/** POST /api/x_incident_io/v1/admin/test_event: the Status page's "Send test event". */
export function postTestEvent(_request: any, response: any): void {
  const result = queueTestEvent(testEventDeps());
  if (!result.ok) {
    respondWithError(response, 409, 'No test event sent', result.message);
    return;
  }
  response.setStatus(202);
  response.setBody({ message: result.message, outbox_sys_id: result.outboxSysId });
}
