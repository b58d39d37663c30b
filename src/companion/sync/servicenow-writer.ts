import { encodedQuery, type TableClient, type TableRecord, type WritableValues } from '../client';
import type { Connection } from '../store';
import type { IncidentLink, IncidentSeverity, IncidentStatus, JournalVisibility, OutboundOp, StoredIncident } from '../store/sync-store';
import {
  impactUrgencyForSeverity,
  needsResolution,
  resolutionValues,
  stateForStatus,
  type SyncMapping,
} from './mapping';
import type { ServiceNowLookups } from './servicenow-lookups';
import { templateOf, ticketBody } from './ticket-body';
import { INCIDENT_READ_FIELDS, TRACKED_FIELDS, versionFromRow, type ServiceNowVersion, type TrackedField } from './servicenow-record';

/**
 * One queued write, made on the instance through the Table API as the service account:
 *
 * - create: POST /incident with the mapped fields, `correlation_id` = the incident.io id. When an
 *   earlier attempt may have reached ServiceNow (no answer, 5xx, the companion died mid-way), the
 *   record is first looked up by correlation_id and adopted if it exists: never two records.
 * - update: PATCH of the mapped fields whose ServiceNow value differs from the last known one
 *   (none: no call). Idempotent, so the client may retry it.
 * - note: PATCH work_notes (or comments, when the update is customer-visible). Not idempotent: after
 *   an ambiguous attempt, the journal is checked for the note first.
 */

import { CORRELATION_DISPLAY } from '../../server/contract/push-event';
export { CORRELATION_DISPLAY };

export interface WriteContext {
  connection: Connection;
  table: TableClient;
  incident: StoredIncident;
  link: IncidentLink | undefined;
  mapping: SyncMapping;
  lookups: ServiceNowLookups;
  signal?: AbortSignal;
}

export type WriteOutcome =
  /** A record was created (or found by correlation_id and adopted). */
  | { kind: 'created'; adopted: boolean; version: ServiceNowVersion; written: TrackedField[]; notices: string[]; status: number }
  /** The record was changed; `version` null when nothing needed writing. */
  | { kind: 'updated'; version: ServiceNowVersion | null; written: TrackedField[]; notices: string[]; status: number | null }
  /** The work note is on the record (`alreadyThere`: an earlier attempt had written it). */
  | { kind: 'noted'; alreadyThere: boolean; version: ServiceNowVersion | null; status: number | null };

const READ = { fields: [...INCIDENT_READ_FIELDS], excludeReferenceLink: true } as const;

/** Values the sync keeps as text: the op's field values. */
interface Fields {
  name?: string;
  summary?: string;
  status?: IncidentStatus;
  severity?: IncidentSeverity;
  lead?: string | null;
}

function fieldsOf(op: OutboundOp): { fields: Fields; present: Set<keyof Fields> } {
  const fields: Fields = {};
  const present = new Set<keyof Fields>();
  for (const [key, change] of Object.entries(op.payload.fields ?? {})) {
    if (!change) continue;
    present.add(key as keyof Fields);
    (fields as Record<string, unknown>)[key] = change.value;
  }
  return { fields, present };
}

function mayHaveReachedServiceNow(op: OutboundOp): boolean {
  // attempts counts this attempt too (incremented by the claim).
  return op.ambiguous || op.attempts > 1;
}

async function findByCorrelation(ctx: WriteContext): Promise<TableRecord | undefined> {
  const page = await ctx.table.listPage('incident', {
    ...READ,
    query: encodedQuery().where('correlation_id', '=', ctx.incident.id),
    limit: 1,
    noCount: true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return page.records[0];
}

async function assignee(ctx: WriteContext, lead: string | null | undefined, notices: string[]): Promise<string> {
  if (!lead) return '';
  const sysId = await ctx.lookups.userByEmail(ctx.connection, ctx.table, lead, ctx.signal);
  if (sysId) return sysId;
  notices.push(
    `The lead ${lead} has no active ServiceNow user with that email on "${ctx.connection.name}", so the ServiceNow ` +
      `incident is left unassigned.`,
  );
  return '';
}

export async function createIncident(ctx: WriteContext, op: OutboundOp): Promise<WriteOutcome> {
  if (mayHaveReachedServiceNow(op)) {
    const existing = await findByCorrelation(ctx);
    if (existing) return { kind: 'created', adopted: true, version: versionFromRow(existing), written: [], notices: [], status: 200 };
  }
  const { fields } = fieldsOf(op);
  if (ctx.mapping.templates.length > 0) return createFromTemplate(ctx, fields);
  const notices: string[] = [];
  const status = fields.status ?? ctx.incident.status;
  const severity = fields.severity ?? ctx.incident.severity;
  const state = stateForStatus(ctx.mapping, status);
  const { impact, urgency } = impactUrgencyForSeverity(ctx.mapping, severity);
  const body: Record<string, string | number | boolean> = {
    ...ctx.mapping.createFields,
    short_description: fields.name ?? ctx.incident.name,
    description: fields.summary ?? ctx.incident.summary,
    impact,
    urgency,
    state,
    correlation_id: ctx.incident.id,
    correlation_display: CORRELATION_DISPLAY,
  };
  if (needsResolution(ctx.mapping, state)) Object.assign(body, resolutionValues(ctx.mapping, ctx.incident));
  const assignedTo = await assignee(ctx, fields.lead === undefined ? ctx.incident.lead : fields.lead, notices);
  if (assignedTo) body.assigned_to = assignedTo;
  if (ctx.mapping.assignmentGroup) {
    const group = await ctx.lookups.groupByName(ctx.connection, ctx.table, ctx.mapping.assignmentGroup, ctx.signal);
    if (group) body.assignment_group = group;
    else notices.push(`The assignment group "${ctx.mapping.assignmentGroup}" of the mapping does not exist on "${ctx.connection.name}"; the ServiceNow incident has no assignment group.`);
  }
  const record = await ctx.table.create('incident', body as WritableValues, { ...READ, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return { kind: 'created', adopted: false, version: versionFromRow(record), written: [...TRACKED_FIELDS], notices, status: 201 };
}

/** A create from the incident's ticket template (ticket-body.ts), with the op's values of the synced fields. */
async function createFromTemplate(ctx: WriteContext, fields: Fields): Promise<WriteOutcome> {
  const incident = { ...ctx.incident };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) (incident as Record<string, unknown>)[key] = value;
  const { body, notices } = await ticketBody(ctx, templateOf(ctx.mapping, incident), incident);
  body.correlation_id = ctx.incident.id;
  body.correlation_display = CORRELATION_DISPLAY;
  const record = await ctx.table.create('incident', body as WritableValues, { ...READ, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return { kind: 'created', adopted: false, version: versionFromRow(record), written: [...TRACKED_FIELDS], notices, status: 201 };
}

export async function updateIncident(ctx: WriteContext, op: OutboundOp): Promise<WriteOutcome> {
  const link = ctx.link!;
  const known = link.snapshot;
  const { fields, present } = fieldsOf(op);
  const notices: string[] = [];
  const body: Record<string, string> = {};
  const written = new Set<TrackedField>();
  const set = (field: TrackedField, value: string): void => {
    if ((known[field] ?? null) === value) return;
    body[field] = value;
    written.add(field);
  };

  if (present.has('name')) set('short_description', fields.name ?? '');
  if (present.has('summary')) set('description', fields.summary ?? '');
  if (present.has('severity') && fields.severity) {
    const { impact, urgency } = impactUrgencyForSeverity(ctx.mapping, fields.severity);
    if (known.impact !== impact || known.urgency !== urgency) {
      body.impact = impact;
      body.urgency = urgency;
      written.add('impact').add('urgency').add('priority');
    }
  }
  if (present.has('status') && fields.status) {
    const state = stateForStatus(ctx.mapping, fields.status);
    set('state', state);
    if (written.has('state') && needsResolution(ctx.mapping, state)) {
      const resolution = resolutionValues(ctx.mapping, ctx.incident);
      if (!known.close_code) set('close_code', resolution.close_code);
      if (!known.close_notes) set('close_notes', resolution.close_notes);
    }
  }
  if (present.has('lead')) set('assigned_to', await assignee(ctx, fields.lead, notices));

  if (Object.keys(body).length === 0) return { kind: 'updated', version: null, written: [], notices, status: null };
  const record = await ctx.table.update('incident', link.sysId, body, {
    ...READ,
    idempotent: true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return { kind: 'updated', version: versionFromRow(record), written: [...written], notices, status: 200 };
}

export async function addWorkNote(ctx: WriteContext, op: OutboundOp): Promise<WriteOutcome> {
  const link = ctx.link!;
  const body = op.payload.note?.body ?? '';
  // Notes queued before visibility existed were all work notes.
  const element = journalFieldFor(op.payload.note?.visibility ?? 'work_note');
  if (mayHaveReachedServiceNow(op)) {
    const page = await ctx.table.listPage('sys_journal_field', {
      query: encodedQuery()
        .where('element_id', '=', link.sysId)
        .and('element', '=', element)
        .and('sys_created_by', '=', ctx.connection.integrationUser)
        .and('value', '=', body),
      fields: ['sys_id'],
      limit: 1,
      noCount: true,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (page.records.length > 0) return { kind: 'noted', alreadyThere: true, version: null, status: 200 };
  }
  const record = await ctx.table.update('incident', link.sysId, { [element]: body }, {
    ...READ,
    idempotent: false,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return { kind: 'noted', alreadyThere: false, version: versionFromRow(record), status: 200 };
}

/** The incident's journal field an update of that visibility is written to. */
export function journalFieldFor(visibility: JournalVisibility): 'work_notes' | 'comments' {
  return visibility === 'comment' ? 'comments' : 'work_notes';
}

export function performWrite(ctx: WriteContext, op: OutboundOp): Promise<WriteOutcome> {
  if (op.kind === 'create') return createIncident(ctx, op);
  if (op.kind === 'update') return updateIncident(ctx, op);
  return addWorkNote(ctx, op);
}
