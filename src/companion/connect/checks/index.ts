import type { Check } from '../../commands/check-runner';
import type { SetupSession } from '../setup-session';
import { appInstalled } from './app-installed';
import { instanceReachable } from './instance-reachable';
import { oauthToken } from './oauth-token';
import { pushConfigured, pushStillConfigured } from './push-configured';
import { serviceAccountRoles } from './service-account-roles';
import { taskAccess } from './task-access';

/** Connect's six checks, in order. */
export const CONNECT_CHECKS: readonly Check<SetupSession>[] = [
  instanceReachable,
  oauthToken,
  serviceAccountRoles,
  appInstalled,
  taskAccess,
  pushConfigured,
];

/** The same checks for doctor, the last one read-only. */
export const SETUP_VERIFY_CHECKS: readonly Check<SetupSession>[] = [
  instanceReachable,
  oauthToken,
  serviceAccountRoles,
  appInstalled,
  taskAccess,
  pushStillConfigured,
];

export { appInstalled, instanceReachable, oauthToken, pushConfigured, pushStillConfigured, serviceAccountRoles, taskAccess };
