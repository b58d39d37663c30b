import { API_USER_ROLE } from '../../../server/contract/roles';
import { ServiceNowForbiddenError } from '../../client';
import type { Check } from '../../commands/check-runner';
import { interruptedBy, listOf } from '../../commands/failures';
import type { SetupSession } from '../setup-session';

/**
 * 5. The service account can create, read and write `task` records (step 4), verified without
 * leaving records behind: with the app, from the ACL decisions the instance makes for the caller
 * (its health API); with admin, by role (admin passes every ACL); read also by reading one record.
 * What cannot be verified this way is reported as unverified, never as a pass.
 */

type Operation = 'create' | 'read' | 'write';
const OPERATIONS: readonly Operation[] = ['create', 'read', 'write'];
const ACL_FIX =
  'add the task ACLs of step 4 (type record, operations create, read and write, Allow If, admin overrides, role ' +
  `${API_USER_ROLE}): the app ships them, so on this instance they were removed or deactivated; make sure they exist and are active`;

export const taskAccess: Check<SetupSession> = {
  id: 'task-access',
  title: 'the service account can create, read and write task records',
  step: 'step 4',
  async run(session) {
    const user = session.credentials.username;

    let readWorks: boolean;
    let readRefusal = '';
    try {
      await session.table.listPage('task', { limit: 1, fields: ['sys_id'], noCount: true, orderBySysId: false });
      readWorks = true;
    } catch (err) {
      if (!(err instanceof ServiceNowForbiddenError)) return interruptedBy(err, 'reading a task record');
      readWorks = false;
      readRefusal = [err.serviceNowMessage, err.serviceNowDetail].filter(Boolean).join(': ');
    }

    const probe = await session.appProbe();
    let decisions: Record<Operation, boolean> | undefined;
    let source: string;
    if (probe.kind === 'installed') {
      decisions = probe.health.caller.task_access;
      source = "the instance's ACL decisions for the service account, reported by the incident.io app";
    } else if (session.roles?.admin) {
      decisions = { create: true, read: true, write: true };
      source = 'verified by role: admin passes every ACL';
    } else {
      source = '';
    }

    if (!readWorks) {
      return {
        ok: false,
        message: `"${user}" cannot read task records (GET /api/now/table/task answered 403${readRefusal ? `: ${readRefusal}` : ''}) — fix: ${ACL_FIX}`,
      };
    }
    if (!decisions) {
      return {
        ok: false,
        message:
          `"${user}" can read task records (verified by reading one); create and write are unverified: without the ` +
          `incident.io app (which reports the instance's ACL decisions) or admin (which passes every ACL) they cannot ` +
          `be checked without leaving records behind — fix: install the app (step 1) or grant admin (step 3), and ` +
          `make sure the task ACLs of step 4 exist`,
      };
    }
    const denied = OPERATIONS.filter((op) => !decisions[op]);
    if (denied.length > 0) {
      return { ok: false, message: `"${user}" cannot ${listOf(denied)} task records (${source}) — fix: ${ACL_FIX}` };
    }
    return {
      ok: true,
      message: `"${user}" can create, read and write task records (${source}; read also verified by reading one)`,
    };
  },
};
