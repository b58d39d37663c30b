import { API_USER_ROLE } from '../../../server/contract/roles';
import type { ServiceNowHttpError } from '../../client';
import type { Check, CheckOutcome } from '../../commands/check-runner';
import { interruptedBy } from '../../commands/failures';
import type { SetupSession } from '../setup-session';

/**
 * 4. The incident.io app is installed (step 1): its GET /api/x_incident_io/v1/sync/health answers.
 * Without it incident.io polls the instance instead, which needs admin (step 3).
 */

function answered(error: ServiceNowHttpError): string {
  const said = [error.serviceNowMessage, error.serviceNowDetail].filter(Boolean).join(': ');
  return `GET /api/x_incident_io/v1/sync/health answered ${error.status}${said ? ` "${said}"` : ''}`;
}

function withoutApp(session: SetupSession, error: ServiceNowHttpError): CheckOutcome {
  const user = session.credentials.username;
  const verify = session.push.kind === 'verify' ? session.push : undefined;
  if (session.roles?.admin) {
    session.mode = 'polling';
    if (verify?.storedMode === 'realtime') {
      return {
        ok: false,
        message:
          `The incident.io app is no longer installed (${answered(error)}), so no change reaches incident.io in real ` +
          `time — fix: reinstall the app, or run incident-sn connect again to switch this connection to polling ` +
          `(the service account holds admin, which polling needs)`,
      };
    }
    return {
      ok: true,
      message:
        `The incident.io app is not installed (${answered(error)}): incident.io will poll the instance, which the ` +
        `service account's admin role allows; install the app for real-time sync`,
    };
  }
  const known = session.roles ? 'does not hold it' : 'could not be shown to hold it';
  return {
    ok: false,
    step: 'steps 1 and 3',
    message:
      `The incident.io app is not installed (${answered(error)}). Without it incident.io can only poll the ` +
      `instance, which requires the admin role, and "${user}" ${known} — fix: install the incident.io app from the ` +
      `ServiceNow Store, or grant "${user}" admin instead`,
  };
}

export const appInstalled: Check<SetupSession> = {
  id: 'app-installed',
  title: 'the incident.io app is installed',
  step: 'step 1',
  async run(session) {
    const probe = await session.appProbe();
    const user = session.credentials.username;
    switch (probe.kind) {
      case 'installed': {
        session.mode = 'realtime';
        const { scope, version } = probe.health.app;
        if (session.push.kind === 'verify' && session.push.storedMode === 'polling') {
          return {
            ok: true,
            message:
              `The incident.io app is installed now (${scope} ${version}), but this connection still polls: run ` +
              `incident-sn connect again to switch it to real time`,
          };
        }
        return {
          ok: true,
          message: `The incident.io app is installed (${scope} ${version}): changes in ServiceNow reach incident.io in real time`,
        };
      }
      case 'missing':
        return withoutApp(session, probe.error);
      case 'forbidden':
        return {
          ok: false,
          step: 'step 3',
          message:
            `The incident.io app is installed, but its API refused "${user}" (${answered(probe.error)}): the service ` +
            `account lacks role ${API_USER_ROLE} — fix: grant it to "${user}"`,
        };
      case 'unexpected':
        return { ok: false, message: probe.error.message };
      case 'failed':
        return interruptedBy(probe.error, "asking the incident.io app's health API");
    }
  },
};
