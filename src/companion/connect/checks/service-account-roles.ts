import { API_USER_ROLE, REQUIRED_ROLES } from '../../../server/contract/roles';
import { encodedQuery, ServiceNowForbiddenError, ServiceNowNotFoundError } from '../../client';
import type { Check, CheckOutcome } from '../../commands/check-runner';
import { interruptedBy, listOf } from '../../commands/failures';
import type { AppProbe, RoleFacts, SetupSession } from '../setup-session';

/**
 * 3. The service account holds admin, or every role of step 3, directly or inherited. Read from
 * sys_user_has_role (a user may read their own rows); when that is refused, from the app's health
 * API, which reports the caller's roles as the instance evaluates them.
 */

type RoleRow = { 'role.name'?: unknown };

/** The role names on the user's sys_user_has_role rows, or null when ServiceNow would not show them. */
async function rolesFromTable(session: SetupSession): Promise<{ roles: Set<string> } | { refused: string }> {
  const query = encodedQuery().where('user.user_name', '=', session.credentials.username);
  const roles = new Set<string>();
  try {
    for await (const row of session.table.list<RoleRow>('sys_user_has_role', {
      query,
      fields: ['role.name', 'inherited'],
      pageSize: 1000,
    })) {
      if (typeof row['role.name'] === 'string' && row['role.name'] !== '') roles.add(row['role.name']);
    }
  } catch (err) {
    if (err instanceof ServiceNowForbiddenError || err instanceof ServiceNowNotFoundError) {
      return { refused: `reading sys_user_has_role answered ${err.status}` };
    }
    throw err;
  }
  // Every user holds some role (snc_internal at least); none means ACLs hid the rows.
  if (roles.size === 0) return { refused: 'reading sys_user_has_role returned no rows' };
  return { roles };
}

function fromHealth(probe: AppProbe): Set<string> | null {
  if (probe.kind !== 'installed') return null;
  return new Set(Object.entries(probe.health.caller.roles).filter(([, held]) => held).map(([role]) => role));
}

function whyNoHealth(probe: AppProbe): string {
  switch (probe.kind) {
    case 'missing':
      return 'the incident.io app, whose health API could report them, is not installed';
    case 'forbidden':
      return "the incident.io app's health API refused the service account (403)";
    case 'unexpected':
      return `the incident.io app's health answer was not understood (${probe.error.message})`;
    default:
      return "the incident.io app's health API could not be asked";
  }
}

function verdict(session: SetupSession, held: Set<string>, source: RoleFacts['source']): CheckOutcome {
  const user = session.credentials.username;
  const from = source === 'sys_user_has_role' ? 'roles read from sys_user_has_role' : "roles reported by the incident.io app's health API";
  const admin = held.has('admin');
  const missing = admin ? [] : REQUIRED_ROLES.filter((role) => !held.has(role));
  session.roles = { admin, missing, source };
  if (admin) {
    return { ok: true, message: `The service account "${user}" holds admin, which passes every ACL (${from})` };
  }
  if (missing.length === 0) {
    return { ok: true, message: `The service account "${user}" holds ${listOf([...REQUIRED_ROLES])} (${from})` };
  }
  const them = missing.length === 1 ? 'it' : 'them';
  const appRole = missing.includes(API_USER_ROLE)
    ? `; ${API_USER_ROLE} is shipped by the incident.io app, so install the app first (step 1) if the role does not exist`
    : '';
  return {
    ok: false,
    message:
      `The service account "${user}" lacks role${missing.length === 1 ? '' : 's'} ${listOf(missing)} (${from}) — fix: ` +
      `grant ${them} to "${user}" in User Administration > Users > Roles, or grant admin instead${appRole}`,
  };
}

export const serviceAccountRoles: Check<SetupSession> = {
  id: 'service-account-roles',
  title: 'the service account holds the roles of step 3',
  step: 'step 3',
  async run(session) {
    const user = session.credentials.username;
    let table: Awaited<ReturnType<typeof rolesFromTable>>;
    try {
      table = await rolesFromTable(session);
    } catch (err) {
      return interruptedBy(err, "reading the service account's roles");
    }
    if ('roles' in table) return verdict(session, table.roles, 'sys_user_has_role');

    const probe = await session.appProbe();
    if (probe.kind === 'failed') return interruptedBy(probe.error, "reading the service account's roles from the incident.io app");
    const held = fromHealth(probe);
    if (held) return verdict(session, held, 'app health');

    if (probe.kind === 'forbidden') {
      session.roles = { admin: false, missing: [API_USER_ROLE], source: 'app health' };
      return {
        ok: false,
        message:
          `The service account "${user}" lacks role ${API_USER_ROLE}: the incident.io app's API refused it ` +
          `(403), and ServiceNow would not show its other roles (${table.refused}) — fix: grant it ` +
          `${API_USER_ROLE}, and check that it also holds ${listOf(REQUIRED_ROLES.slice(1))}`,
      };
    }
    return {
      ok: false,
      message:
        `The roles of "${user}" could not be verified: ${table.refused}, and ${whyNoHealth(probe)} — fix: make sure ` +
        `"${user}" holds ${listOf([...REQUIRED_ROLES])} (or admin), and install the incident.io app (step 1) so ` +
        `connect can verify them`,
    };
  },
};
