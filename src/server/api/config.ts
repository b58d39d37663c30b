import { config, tableHierarchy, userExists } from '../lib/glide-environment.ts';
import { summarizeConfig } from '../lib/config.ts';
import { validateConfigUpdate } from '../lib/config-validation.ts';
import { applyConfigUpdate } from '../services/configuration.ts';
import { jsonBody, respondWithError } from './respond.ts';

/**
 * PUT /api/x_incident_io/v1/sync/config: set any of webhook_url, signing_secret, integration_user,
 * enabled, follow_up_table. Parses and answers; the writes are services/configuration.ts's (the REST ACL authorises).
 */
export function putConfig(request: any, response: any): void {
  const result = validateConfigUpdate(jsonBody(request), { userExists, current: config(), tableHierarchy });
  if (!result.ok) {
    respondWithError(response, 400, 'Invalid incident.io configuration', result.errors.join('; '));
    return;
  }
  applyConfigUpdate(result.update);
  response.setStatus(200);
  response.setBody(summarizeConfig(config()));
}
