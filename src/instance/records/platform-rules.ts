import type { TableMeta } from '../db/dictionary';
import type { RecordOperation, RecordValues } from './hooks';
import type { Session } from './session';
import { formatDateTime, normalizeForType } from './values';

/**
 * Behaviour the platform itself gives records (its own business rules and data lookups), applied by
 * the engine after the app's before rules: default values, incident priority from impact × urgency,
 * closing and reopening, the user's full name, and the incident resolution data policy.
 */

/** Priority from impact × urgency (1 high … 3 low), the base instance's priority lookup. */
export const PRIORITY_MATRIX: Readonly<Record<string, string>> = {
  '1:1': '1',
  '1:2': '2',
  '2:1': '2',
  '1:3': '3',
  '2:2': '3',
  '3:1': '3',
  '2:3': '4',
  '3:2': '4',
  '3:3': '5',
};

/** Incident states that end the incident's life (active=false). */
const INACTIVE_INCIDENT_STATES = new Set(['7', '8']);
const RESOLVED_STATE = '6';
const CLOSED_STATE = '7';

/** The value of a dictionary default, evaluating the few `javascript:` defaults of the base schema. */
export function evaluateDefault(defaultValue: string, type: string, session: Session, nowMs: number): string {
  if (!defaultValue) return '';
  if (defaultValue.startsWith('javascript:')) {
    const expr = defaultValue.slice('javascript:'.length).trim().replace(/;$/, '');
    if (expr === 'gs.nowDateTime()' || expr === 'new GlideDateTime()' || expr === 'gs.nowNoTZ()') return formatDateTime(nowMs);
    if (expr === 'gs.getUserID()') return session.userSysId;
    if (expr === 'gs.getUserName()') return session.userName;
    return '';
  }
  return normalizeForType(type, defaultValue) ?? '';
}

/** Fills default values for columns the caller did not give (booleans default to false). */
export function applyDefaults(table: TableMeta, values: RecordValues, session: Session, nowMs: number): void {
  for (const column of table.columns.values()) {
    if (!column.physical || values[column.name] !== undefined) continue;
    const value = evaluateDefault(column.defaultValue, column.type, session, nowMs);
    if (value !== '') values[column.name] = value;
    else if (column.type === 'boolean') values[column.name] = 'false';
  }
}

export interface PlatformRuleContext {
  table: TableMeta;
  operation: RecordOperation;
  current: RecordValues;
  previous: RecordValues | null;
  session: Session;
  nowMs: number;
}

const changed = (ctx: PlatformRuleContext, field: string): boolean =>
  ctx.previous === null ? (ctx.current[field] ?? '') !== '' : (ctx.current[field] ?? '') !== (ctx.previous[field] ?? '');

export function applyPlatformRules(ctx: PlatformRuleContext): void {
  if (ctx.operation === 'delete') return;
  const { table, current } = ctx;
  if (table.hierarchy.includes('incident')) applyIncidentRules(ctx);
  if (table.name === 'sys_user' && (changed(ctx, 'first_name') || changed(ctx, 'last_name'))) {
    const full = `${current.first_name ?? ''} ${current.last_name ?? ''}`.trim();
    if (full) current.name = full;
  }
}

function applyIncidentRules(ctx: PlatformRuleContext): void {
  const { current, previous } = ctx;
  const now = formatDateTime(ctx.nowMs);
  if (ctx.operation === 'insert' || changed(ctx, 'impact') || changed(ctx, 'urgency')) {
    const priority = PRIORITY_MATRIX[`${current.impact || '3'}:${current.urgency || '3'}`];
    if (priority) current.priority = priority;
  }
  // incident_state mirrors state (the base instance keeps the two in step).
  if (ctx.operation === 'update' && changed(ctx, 'incident_state') && !changed(ctx, 'state')) current.state = current.incident_state ?? '';
  else if (current.state) current.incident_state = current.state;
  const state = current.state ?? '';
  if (ctx.operation === 'insert' || changed(ctx, 'state')) {
    if (state === RESOLVED_STATE) {
      if (!current.resolved_at) current.resolved_at = now;
      if (!current.resolved_by) current.resolved_by = ctx.session.userSysId;
    }
    if (state === CLOSED_STATE) {
      if (!current.closed_at) current.closed_at = now;
      if (!current.closed_by) current.closed_by = ctx.session.userSysId;
    }
    if (INACTIVE_INCIDENT_STATES.has(state)) current.active = 'false';
    else if (previous && previous.active === 'false') current.active = 'true';
    const wasDone = previous && (previous.state === RESOLVED_STATE || INACTIVE_INCIDENT_STATES.has(previous.state ?? ''));
    if (wasDone && state !== RESOLVED_STATE && !INACTIVE_INCIDENT_STATES.has(state)) {
      current.reopen_count = String(Number(previous?.reopen_count || '0') + 1);
    }
  }
}

/** Labels of mandatory fields a data policy requires and the record lacks (empty when it passes). */
export function dataPolicyViolations(table: TableMeta, current: RecordValues, enabled: boolean): string[] {
  if (!enabled || !table.hierarchy.includes('incident')) return [];
  const state = current.state ?? '';
  if (state !== RESOLVED_STATE && state !== CLOSED_STATE) return [];
  const missing: string[] = [];
  for (const field of ['close_code', 'close_notes']) {
    if (!current[field]) missing.push(field === 'close_code' ? 'Resolution code' : 'Resolution notes');
  }
  return missing;
}
