import { callerInfo, config, instanceName, nowMs, outboxStore } from '../lib/glide-environment.ts';
import { buildHealth } from '../lib/health.ts';

/** GET /api/x_incident_io/v1/sync/health */
export function getHealth(_request: any, response: any): void {
  response.setStatus(200);
  response.setBody(
    buildHealth({ config: config(), store: outboxStore(), nowMs: nowMs(), instance: instanceName(), caller: callerInfo() }),
  );
}
