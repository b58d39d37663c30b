import { IncidentSnError } from '../../../shared/errors';
import { API_USER_ROLE } from '../../../server/contract/roles';
import { ServiceNowForbiddenError, ServiceNowHttpError, type SyncHealth } from '../../client';
import type { Check, CheckOutcome } from '../../commands/check-runner';
import { interruptedBy, listOf } from '../../commands/failures';
import type { SetupSession } from '../setup-session';

/**
 * 6. With the app: its push points at this companion. Connect sets it (PUT /config with the
 * webhook URL, a fresh signing secret, the integration user, enabled) and confirms with /health;
 * doctor only compares /health with what is stored.
 */

const PUBLIC_URL_FIX =
  'give --public-url (or INCIDENT_SN_PUBLIC_URL) the https URL at which the instance reaches this companion; the app ' +
  'accepts http only for a loopback host (localhost, 127.0.0.1, [::1]), which suits only a local instance';

/** What in the app's configuration differs from what we expect; empty when it pushes to us. */
function mismatches(config: SyncHealth['config'], webhookUrl: string, integrationUser: string): string[] {
  const found: string[] = [];
  if (config.webhook_url !== webhookUrl) {
    found.push(config.webhook_url ? `it pushes to ${config.webhook_url}, not to ${webhookUrl}` : 'it has no webhook URL');
  }
  if (config.integration_user !== integrationUser) {
    found.push(
      config.integration_user
        ? `its integration user is "${config.integration_user}", not "${integrationUser}" (so incident.io's own changes would be echoed back)`
        : 'it has no integration user (so incident.io\'s own changes would be echoed back)',
    );
  }
  if (!config.signing_secret_set) found.push('it has no signing secret');
  if (!config.enabled) found.push('pushes are disabled (x_incident_io.enabled is false)');
  else if (!config.delivering) found.push('it is not delivering');
  return found;
}

function noPushNeeded(session: SetupSession): CheckOutcome | undefined {
  if (session.mode === 'polling') {
    return { ok: true, message: 'No push to configure: without the app, incident.io polls the instance (mode: polling)' };
  }
  return undefined;
}

export const pushConfigured: Check<SetupSession> = {
  id: 'push-configured',
  title: "the app's push is configured",
  step: 'step 5',
  requiresAllPassed: true,
  async run(session) {
    const skip = noPushNeeded(session);
    if (skip) return skip;
    if (session.push.kind !== 'configure') throw new IncidentSnError('pushConfigured runs only for connect', { code: 'check_misused' });
    const { webhookUrl, integrationUser } = session.push;
    const secret = session.push.generateSecret();
    try {
      await session.sync.configure({ webhook_url: webhookUrl, signing_secret: secret.reveal(), integration_user: integrationUser, enabled: true });
    } catch (err) {
      if (err instanceof ServiceNowForbiddenError) {
        return {
          ok: false,
          step: 'step 3',
          message: `The incident.io app refused to change its configuration (${err.message}) — fix: grant the service account ${API_USER_ROLE}`,
        };
      }
      if (err instanceof ServiceNowHttpError && err.status === 400) {
        const detail = err.serviceNowDetail ?? err.serviceNowMessage ?? 'no reason given';
        const fix = /webhook_url/.test(detail) ? PUBLIC_URL_FIX : 'correct what the app names and connect again';
        return { ok: false, message: `The incident.io app refused the push configuration: ${detail} — fix: ${fix}` };
      }
      return interruptedBy(err, "configuring the incident.io app's push");
    }

    let health: SyncHealth;
    try {
      health = await session.freshHealth();
    } catch (err) {
      return interruptedBy(err, "confirming the incident.io app's push configuration");
    }
    const wrong = mismatches(health.config, webhookUrl, integrationUser);
    if (wrong.length > 0) {
      return {
        ok: false,
        message: `The incident.io app did not take the push configuration: ${listOf(wrong)} — fix: run incident-sn connect again; if this persists, check the app's properties (x_incident_io.*)`,
      };
    }
    session.configuredSecret = secret;
    return {
      ok: true,
      message: `Pushes configured: the app sends changes to ${webhookUrl}, signed with a new secret, ignoring changes made by "${integrationUser}"`,
    };
  },
};

export const pushStillConfigured: Check<SetupSession> = {
  id: 'push-configured',
  title: "the app's push still points at this companion",
  step: 'step 5',
  async run(session) {
    if (session.push.kind !== 'verify') throw new IncidentSnError('pushStillConfigured runs only for doctor', { code: 'check_misused' });
    const { webhookUrl, integrationUser, storedMode } = session.push;
    if (storedMode === 'polling') {
      return { ok: true, message: 'No push to check: this connection polls the instance (mode: polling)' };
    }
    const probe = await session.appProbe();
    if (probe.kind !== 'installed') {
      return { ok: false, message: "The app's push configuration cannot be read (see the app check above) — fix: that first" };
    }
    const wrong = mismatches(probe.health.config, webhookUrl, integrationUser);
    if (wrong.length > 0) {
      return {
        ok: false,
        message: `The incident.io app does not push to this companion as configured: ${listOf(wrong)} — fix: run incident-sn connect again to configure it`,
      };
    }
    return { ok: true, message: `The app pushes to ${webhookUrl}, ignoring changes made by "${integrationUser}"` };
  },
};
