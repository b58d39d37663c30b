import { discardedByCloneError } from '../lib/clone-guard.ts';
import { PROPERTY } from '../lib/constants.ts';
import type { ConfigUpdate } from '../lib/config-validation.ts';
import { config, currentIdentity, log, nowMs, outboxStore, properties, recordIdentity, signingSecretField } from '../lib/glide-environment.ts';
import type { RequeueFilter } from '../lib/outbox-store.ts';
import { toGlideDateTime } from '../lib/time.ts';

/**
 * The app's writes behind its scripted REST resources (PUT /config, POST /resend), which only parse,
 * authorise and answer. One module, so a reader finds every write the API can make in one place.
 */

/**
 * Applies a validated configuration update and records this instance's identity (clone-guard.ts).
 * On a clone, the events queued before the clone are marked dead first, so none of them is ever
 * sent from the clone.
 */
export function applyConfigUpdate(update: ConfigUpdate): void {
  if (update.follow_up_table !== undefined) properties.set(PROPERTY.followUpTable, update.follow_up_table);
  // The follow-up table alone is a mapping setting, not a connection: it does not take over a clone.
  if (update.webhook_url === undefined && update.signing_secret === undefined && update.integration_user === undefined && update.enabled === undefined) return;
  const current = config();
  if (current.clone) {
    const discarded = outboxStore().discardPending(discardedByCloneError(current.clone));
    log.warn('configured on a clone: ' + discarded + ' event(s) queued before the clone marked dead, never to be sent from here');
  }
  recordIdentity(currentIdentity());
  if (update.webhook_url !== undefined) properties.set(PROPERTY.webhookUrl, update.webhook_url);
  if (update.signing_secret !== undefined) signingSecretField.set(update.signing_secret);
  if (update.integration_user !== undefined) properties.set(PROPERTY.integrationUser, update.integration_user);
  if (update.enabled !== undefined) properties.set(PROPERTY.enabled, update.enabled ? 'true' : 'false');
}

/** Puts the matching delivered, failed and dead events back in the queue; returns how many. */
export function requeueEvents(filter: RequeueFilter): number {
  return outboxStore().requeue(filter, toGlideDateTime(nowMs()));
}
