import { encodedQuery, type TableRecord, type WritableValues } from '../client';
import type { FollowUp, FollowUpRecord } from '../store/follow-up-store';
import type { OutboundOp } from '../store/sync-store';
import type { FollowUpMapping } from './follow-up-mapping';
import { CORRELATION_DISPLAY, type WriteContext } from './servicenow-writer';

/**
 * A follow-up's write: its record in the mapping's follow-up table, child of the incident's record.
 *
 * - The first write creates it: short_description = title, description, state = toState.outstanding
 *   (1), the parent field = the incident's record, correlation_id = the follow-up's id. When an
 *   earlier attempt may have reached ServiceNow, the record is looked up by correlation_id first and
 *   adopted: never two records.
 * - Later writes PATCH what changed (idempotent); a status also writes the mapping's close fields
 *   when it completes the record.
 */

const READ_FIELDS = ['sys_id', 'number', 'state', 'sys_mod_count', 'sys_updated_on', 'sys_updated_by'] as const;

export interface FollowUpWriteOutcome {
  kind: 'follow_up';
  created: boolean;
  adopted: boolean;
  record: FollowUpRecord;
  notices: string[];
  status: number;
}

function recordOf(table: string, row: TableRecord): FollowUpRecord {
  const text = (name: string): string => (typeof row[name] === 'string' ? (row[name] as string) : '');
  return { table, sysId: text('sys_id'), number: text('number'), state: text('state'), modCount: Number(text('sys_mod_count') || '0') };
}

async function assigneeSysId(ctx: WriteContext, email: string | null | undefined, followUp: FollowUp, notices: string[]): Promise<string> {
  if (!email) return '';
  const sysId = await ctx.lookups.userByEmail(ctx.connection, ctx.table, email, ctx.signal);
  if (sysId) return sysId;
  notices.push(`The follow-up "${followUp.title}" is assigned to ${email}, who has no active ServiceNow user with that email on "${ctx.connection.name}": its record is left unassigned.`);
  return '';
}

export async function writeFollowUp(ctx: WriteContext, op: OutboundOp, followUp: FollowUp, mapping: FollowUpMapping): Promise<FollowUpWriteOutcome> {
  const table = followUp.record?.table ?? mapping.table;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const fields = op.payload.followUp?.fields ?? {};
  const notices: string[] = [];
  if (!followUp.record) {
    if (op.ambiguous || op.attempts > 1) {
      const page = await ctx.table.listPage(table, { query: encodedQuery().where('correlation_id', '=', followUp.id), fields: [...READ_FIELDS], limit: 1, noCount: true, ...signal });
      if (page.records[0]) return { kind: 'follow_up', created: true, adopted: true, record: recordOf(table, page.records[0]), notices, status: 200 };
    }
    const body: Record<string, string> = {
      short_description: followUp.title,
      description: followUp.description,
      state: mapping.toState.outstanding ?? '1',
      [mapping.parentField]: ctx.link!.sysId,
      correlation_id: followUp.id,
      correlation_display: CORRELATION_DISPLAY,
    };
    const assignedTo = await assigneeSysId(ctx, followUp.assignee, followUp, notices);
    if (assignedTo) body.assigned_to = assignedTo;
    const row = await ctx.table.create(table, body as WritableValues, { fields: [...READ_FIELDS], excludeReferenceLink: true, ...signal });
    return { kind: 'follow_up', created: true, adopted: false, record: recordOf(table, row), notices, status: 201 };
  }
  const body: Record<string, string> = {};
  if (fields.title !== undefined) body.short_description = fields.title ?? '';
  if (fields.description !== undefined) body.description = fields.description ?? '';
  if (fields.assignee !== undefined) body.assigned_to = await assigneeSysId(ctx, fields.assignee, followUp, notices);
  const status = op.payload.followUp?.status;
  if (status !== undefined) {
    body.state = mapping.toState[status] ?? mapping.toState.outstanding ?? '1';
    if (status !== 'outstanding') Object.assign(body, mapping.closeFields);
  }
  const row = await ctx.table.update(table, followUp.record.sysId, body, { fields: [...READ_FIELDS], excludeReferenceLink: true, idempotent: true, ...signal });
  return { kind: 'follow_up', created: false, adopted: false, record: recordOf(table, row), notices, status: 200 };
}
