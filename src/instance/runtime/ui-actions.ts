import type { Session } from '../records/session';
import { sessionHasRole } from '../records/session';
import { GlideRecordImpl } from './glide/glide-record';
import type { UiMessage } from './glide/host';
import type { ScriptRuntime } from './script-runtime';
import { queryCondition } from '../query';

/**
 * Pressing a server-side UI action (sys_ui_action), as a user's click does on the platform: the
 * action must be active and on the record's table (or a parent of it); the user must hold one of
 * its roles (sys_ui_action_role; none listed: anyone who sees the table); the record must exist and
 * be readable by the user; its `condition` must hold for the record. Then its script runs as that
 * user, through the same runtime as business rules, with `current` (a new record for a list banner
 * button pressed with no record), and what it tells the user (gs.addInfoMessage/addErrorMessage)
 * is the answer.
 */

export interface UiActionPress {
  actionSysId: string;
  table: string;
  /** The record the action is pressed on; empty for a list banner button. */
  recordSysId: string;
  session: Session;
}

export type UiActionOutcome =
  | { ok: true; action: string; messages: UiMessage[] }
  | { ok: false; status: 400 | 403 | 404 | 500; message: string; detail: string };

function truthy(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

export function pressUiAction(runtime: ScriptRuntime, press: UiActionPress): UiActionOutcome {
  const engine = runtime.engine;
  const system = engine.systemSession();
  const action = engine.get('sys_ui_action', press.actionSysId, { session: system });
  if (!action || action.values.active === 'false') return { ok: false, status: 404, message: 'No such UI action', detail: `No active UI action ${press.actionSysId}` };
  const a = action.values;
  if (!press.table || !engine.hasTable(press.table)) return { ok: false, status: 400, message: 'Invalid table', detail: `Table '${press.table}' does not exist` };
  const hierarchy = engine.tableMeta(press.table).hierarchy;
  if (a.table !== 'global' && !hierarchy.includes(a.table ?? '')) {
    return { ok: false, status: 400, message: 'Invalid table', detail: `UI action '${a.name}' is on ${a.table}, not on ${press.table}` };
  }
  if (truthy(a.client) && !(a.script ?? '').trim()) {
    return { ok: false, status: 400, message: 'Client-side UI action', detail: `UI action '${a.name}' runs in the browser only` };
  }

  const roles = engine
    .query('sys_ui_action_role', { query: queryCondition('sys_ui_action', '=', press.actionSysId), session: system })
    .records.map((r) => engine.get('sys_user_role', r.values.sys_user_role ?? '', { session: system })?.values.name ?? '')
    .filter((name) => name !== '');
  if (roles.length > 0 && !roles.some((role) => sessionHasRole(press.session, role))) {
    return { ok: false, status: 403, message: 'User Not Authorized', detail: `UI action '${a.name}' requires one of the roles ${roles.join(', ')}` };
  }
  if (!engine.canRead(press.table, press.session)) {
    return { ok: false, status: 403, message: 'User Not Authorized', detail: `Read access to ${press.table} is denied` };
  }

  let current: GlideRecordImpl;
  if (press.recordSysId) {
    const record = engine.get(press.table, press.recordSysId, { session: press.session, enforceAcl: true });
    if (!record) return { ok: false, status: 404, message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" };
    current = GlideRecordImpl.bound(runtime, { table: record.table, values: { ...record.values }, original: { ...record.values }, operation: 'update', isNew: false });
  } else {
    if (!truthy(a.list_banner_button)) return { ok: false, status: 400, message: 'A record is required', detail: `UI action '${a.name}' acts on a record: name it` };
    current = new GlideRecordImpl(runtime, press.table, false);
  }

  const scope = a.sys_scope ?? 'global';
  const condition = (a.condition ?? '').trim();
  if (condition) {
    const shown = runtime.run({ kind: 'condition', name: `${a.name} (condition)`, sysId: press.actionSysId, scope, script: condition, variables: { current }, mode: 'expression', session: press.session });
    if (!shown.ok || !shown.value) {
      return { ok: false, status: 403, message: 'UI action not available', detail: `The condition of UI action '${a.name}' does not hold for this record` };
    }
  }

  const { value: outcome, messages } = runtime.collectingUiMessages(() =>
    runtime.run({ kind: 'ui_action', name: a.name ?? press.actionSysId, sysId: press.actionSysId, scope, script: a.script ?? '', variables: { current }, session: press.session }),
  );
  if (!outcome.ok) return { ok: false, status: 500, message: outcome.message || 'Script error', detail: `Script error in UI action '${a.name}' (see the system log)` };
  return { ok: true, action: a.name ?? '', messages };
}
