import {
  OAuthError,
  ServiceNowAuthenticationError,
  ServiceNowConnection,
  ServiceNowHttpError,
  ServiceNowRateLimitError,
} from '../../client';
import type { Check, CheckOutcome } from '../../commands/check-runner';
import { interruptedBy } from '../../commands/failures';
import type { SetupSession } from '../setup-session';

/**
 * 2. The OAuth client and the service account give a token (setup guide steps 2 and 3).
 *
 * ServiceNow answers every refused grant with the same opaque 401, so when it does, one
 * basic-authentication call with the service account's username and password tells the two
 * halves apart: if the account signs in, the OAuth application (step 2) is at fault; if not, the
 * account (step 3). Nothing finer can be told from outside: an unknown client id and a wrong
 * client secret look the same, and so do a wrong password and a locked or inactive account.
 */

type AccountVerdict = 'accepted' | 'refused' | { unknown: unknown };

async function accountSignsIn(session: SetupSession): Promise<AccountVerdict> {
  const { instanceUrl, username, password } = session.credentials;
  const basic = new ServiceNowConnection({
    ...session.connectionOptions,
    instance: instanceUrl,
    credentials: { kind: 'basic', username, password: password.reveal() },
  });
  try {
    await basic.request({ method: 'GET', path: '/api/now/table/sys_user', query: { sysparm_limit: 1, sysparm_fields: 'sys_id' } });
    return 'accepted';
  } catch (err) {
    if (err instanceof ServiceNowAuthenticationError) return 'refused';
    // Signed in, but an ACL or rate limit refused the read: the credentials themselves were accepted.
    if (err instanceof ServiceNowHttpError && err.status !== 401 && err.status < 500 && !(err instanceof ServiceNowRateLimitError)) {
      return 'accepted';
    }
    return { unknown: err };
  } finally {
    await basic.close();
  }
}

async function explainRefusal(session: SetupSession, error: OAuthError): Promise<CheckOutcome> {
  const { clientId, username } = session.credentials;
  const verdict = await accountSignsIn(session);
  if (verdict === 'accepted') {
    return {
      ok: false,
      stop: true,
      step: 'step 2',
      message:
        `ServiceNow refused the OAuth token request, but accepted the service account "${username}" with its ` +
        `password (checked with basic authentication), so the OAuth application is at fault: the client id ` +
        `"${clientId}" is unknown or its application is inactive, or the client secret is wrong — fix: in ServiceNow ` +
        `open System OAuth > Application Registry, open the application created for incident.io, make sure it is ` +
        `active, and copy its Client ID and Client Secret again`,
    };
  }
  if (verdict === 'refused') {
    return {
      ok: false,
      stop: true,
      step: 'step 3',
      message:
        `ServiceNow refused the service account "${username}": the OAuth token request and a basic-authentication ` +
        `sign-in both failed, so its password is wrong, or the account is locked out or inactive — fix: open the ` +
        `user record of "${username}" (User Administration > Users), check Active, clear Locked out and Password ` +
        `needs reset, set the password again and connect with it (if the account does sign in elsewhere, check the ` +
        `OAuth client id and secret of step 2 as well)`,
    };
  }
  const why = verdict.unknown instanceof Error ? verdict.unknown.message : String(verdict.unknown);
  return {
    ok: false,
    stop: true,
    step: 'steps 2 and 3',
    message: `${error.message}\n(Trying to narrow it down with a basic-authentication sign-in failed too: ${why})`,
  };
}

export const oauthToken: Check<SetupSession> = {
  id: 'oauth-token',
  title: 'the OAuth client and the service account give a token',
  step: 'steps 2 and 3',
  async run(session) {
    const { clientId, username } = session.credentials;
    try {
      await session.connection.authenticate();
      return { ok: true, message: `OAuth token obtained for "${username}" with client id "${clientId}"` };
    } catch (err) {
      if (err instanceof OAuthError) return explainRefusal(session, err);
      return interruptedBy(err, 'asking ServiceNow for an OAuth token');
    }
  },
};
