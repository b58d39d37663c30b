import { PROPERTY } from '../lib/constants.ts';
import { config, properties, signingSecretField, userExists } from '../lib/glide-environment.ts';
import { summarizeConfig } from '../lib/config.ts';
import { validateConfigUpdate } from '../lib/config-validation.ts';
import { jsonBody, respondWithError } from './respond.ts';

/** PUT /api/x_incident_io/v1/sync/config: set any of webhook_url, signing_secret, integration_user, enabled. */
export function putConfig(request: any, response: any): void {
  const body = jsonBody(request);
  const result = validateConfigUpdate(body, { userExists, current: config() });
  if (!result.ok) {
    respondWithError(response, 400, 'Invalid incident.io configuration', result.errors.join('; '));
    return;
  }
  const update = result.update;
  if (update.webhook_url !== undefined) properties.set(PROPERTY.webhookUrl, update.webhook_url);
  if (update.signing_secret !== undefined) signingSecretField.set(update.signing_secret);
  if (update.integration_user !== undefined) properties.set(PROPERTY.integrationUser, update.integration_user);
  if (update.enabled !== undefined) properties.set(PROPERTY.enabled, update.enabled ? 'true' : 'false');
  response.setStatus(200);
  response.setBody(summarizeConfig(config()));
}
