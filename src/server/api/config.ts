import { PROPERTY } from '../lib/constants.ts';
import { discardedByCloneError } from '../lib/clone-guard.ts';
import { config, currentIdentity, log, outboxStore, properties, recordIdentity, signingSecretField, userExists } from '../lib/glide-environment.ts';
import { summarizeConfig } from '../lib/config.ts';
import { validateConfigUpdate } from '../lib/config-validation.ts';
import { jsonBody, respondWithError } from './respond.ts';

/**
 * PUT /api/x_incident_io/v1/sync/config: set any of webhook_url, signing_secret, integration_user,
 * enabled, and record the identity of this instance (clone-guard.ts). On a clone, the events queued
 * before the clone are marked dead first, so none of them is ever sent from the clone.
 */
export function putConfig(request: any, response: any): void {
  const body = jsonBody(request);
  const current = config();
  const result = validateConfigUpdate(body, { userExists, current });
  if (!result.ok) {
    respondWithError(response, 400, 'Invalid incident.io configuration', result.errors.join('; '));
    return;
  }
  if (current.clone) {
    const discarded = outboxStore().discardPending(discardedByCloneError(current.clone));
    log.warn('configured on a clone: ' + discarded + ' event(s) queued before the clone marked dead, never to be sent from here');
  }
  recordIdentity(currentIdentity());
  const update = result.update;
  if (update.webhook_url !== undefined) properties.set(PROPERTY.webhookUrl, update.webhook_url);
  if (update.signing_secret !== undefined) signingSecretField.set(update.signing_secret);
  if (update.integration_user !== undefined) properties.set(PROPERTY.integrationUser, update.integration_user);
  if (update.enabled !== undefined) properties.set(PROPERTY.enabled, update.enabled ? 'true' : 'false');
  response.setStatus(200);
  response.setBody(summarizeConfig(config()));
}
