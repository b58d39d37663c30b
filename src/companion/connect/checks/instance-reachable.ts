import {
  NotServiceNowError,
  ServiceNowAuthenticationError,
  ServiceNowForbiddenError,
  ServiceNowHttpError,
  ServiceNowNetworkError,
  ServiceNowRateLimitError,
  ServiceNowServerError,
  ServiceNowTimeoutError,
} from '../../client';
import type { Check } from '../../commands/check-runner';
import { interruptedBy } from '../../commands/failures';
import type { SetupSession } from '../setup-session';

/**
 * 1. The host answers, and like ServiceNow: an unauthenticated Table API call must get the
 * platform's JSON error (401 "User Not Authenticated"), not a web page or nothing. Any other JSON
 * error (a 404 from some other service, such as this companion itself) is not ServiceNow either.
 */

function notServiceNowAnswer(err: ServiceNowHttpError): string {
  const said = err.serviceNowMessage ? ` ("${err.serviceNowMessage}")` : '';
  return (
    `it answered an anonymous GET ${err.path} with ${err.status}${said}, where ServiceNow asks the caller to sign in (401). ` +
    `Check the instance address: your subdomain, as in https://<subdomain>.service-now.com, or for the local instance its ` +
    `own port (not the companion's)`
  );
}
export const instanceReachable: Check<SetupSession> = {
  id: 'instance-reachable',
  title: 'the instance answers like ServiceNow',
  step: 'step 5',
  async run(session) {
    const url = session.credentials.instanceUrl;
    try {
      await session.connection.request({
        method: 'GET',
        path: '/api/now/table/sys_user',
        query: { sysparm_limit: 1, sysparm_fields: 'sys_id' },
        anonymous: true,
      });
      return { ok: true, message: `ServiceNow answers at ${url}` };
    } catch (err) {
      if (err instanceof ServiceNowRateLimitError) return interruptedBy(err, `checking that ${url} answers`);
      if (err instanceof NotServiceNowError) {
        return { ok: false, stop: true, message: `${url} is not a ServiceNow instance: ${err.message}` };
      }
      if (err instanceof ServiceNowServerError) {
        return { ok: false, stop: true, message: `${url} is failing: ${err.message}` };
      }
      // The platform answers an anonymous call with 401 (or 403 where anonymous access is configured).
      if (err instanceof ServiceNowAuthenticationError || err instanceof ServiceNowForbiddenError) return { ok: true, message: `ServiceNow answers at ${url}` };
      if (err instanceof ServiceNowHttpError) return { ok: false, stop: true, message: `${url} is not a ServiceNow instance: ${notServiceNowAnswer(err)}` };
      if (err instanceof ServiceNowNetworkError || err instanceof ServiceNowTimeoutError) {
        return { ok: false, stop: true, message: `${url} cannot be reached: ${err.message}` };
      }
      return interruptedBy(err, `checking that ${url} answers`);
    }
  },
};
