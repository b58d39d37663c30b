import type { FieldValue, TableRecord } from '../client';
import type { InboundEventType, ServiceNowSnapshot } from '../store/sync-store';
import { EVENT_RANK, SYNCED_FIELDS, type JournalField, type SyncedField } from '../../server/contract/push-event';
import type { PushEventBody } from './push-event';

/**
 * A ServiceNow incident as the sync sees it, whichever way it arrived (the app's push, a polled
 * Table API row, the answer to the companion's own write): a flat snapshot of the fields the sync
 * tracks, references by sys_id with the values it needs under their dot-walked names.
 */

/**
 * Synced fields the companion does not keep: incident.io has no place for an incident's CI,
 * business service or caller, so a change to them alone changes nothing there.
 */
const UNTRACKED_SYNCED_FIELDS = ['cmdb_ci', 'business_service', 'caller_id'] as const;
export type TrackedField = Exclude<SyncedField, (typeof UNTRACKED_SYNCED_FIELDS)[number]>;

/**
 * The fields whose values the sync keeps (and compares when polling): the app's SYNCED_FIELDS
 * (those it pushes changes of) but the untracked ones, so every tracked change is also pushed.
 */
export const TRACKED_FIELDS: readonly TrackedField[] = SYNCED_FIELDS.filter(
  (field): field is TrackedField => !(UNTRACKED_SYNCED_FIELDS as readonly string[]).includes(field),
);

/** Values carried along with the tracked fields (not compared). */
export const COMPANION_FIELDS = ['assigned_to.email', 'assignment_group.name'] as const;

/** What the companion asks the Table API for when it reads or writes an incident. */
export const INCIDENT_READ_FIELDS = [
  'sys_id',
  'number',
  ...TRACKED_FIELDS,
  ...COMPANION_FIELDS,
  'active',
  'correlation_id',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
] as const;

/** A ServiceNow incident at one version. */
export interface ServiceNowVersion {
  sysId: string;
  number: string;
  /** sys_mod_count. */
  modCount: number;
  /** ISO 8601 (from sys_updated_on). */
  updatedAt: string;
  updatedBy: string;
  active: boolean;
  /** null when unknown (pushes do not carry it). */
  correlationId: string | null;
  snapshot: ServiceNowSnapshot;
}

/** A journal entry (comment or work note). */
export interface JournalEntryChange {
  sysId: string;
  element: JournalField;
  value: string;
  author: string;
  /** ISO 8601. */
  createdAt: string;
}

/** A file attached to the incident (metadata only: the bytes are fetched when it is applied). */
export interface AttachmentChange {
  sysId: string;
  fileName: string;
  sizeBytes: number;
  author: string;
  /** ISO 8601. */
  createdAt: string;
}

/** One change from ServiceNow, normalized: what the inbound events table holds and the apply path reads. */
export interface InboundChange {
  type: InboundEventType;
  sequence: number;
  /** ISO 8601: when it happened on the instance. */
  occurredAt: string;
  /** The ServiceNow fields that changed; null: compare the record with the link's snapshot. */
  changedFields: string[] | null;
  record: ServiceNowVersion;
  journal?: JournalEntryChange;
  attachment?: AttachmentChange;
}

/** ServiceNow's `YYYY-MM-DD HH:MM:SS` (UTC) as ISO 8601; '' stays ''. */
export function glideToIso(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value.trim());
  return m ? `${m[1]}T${m[2]}Z` : value;
}

/** ISO 8601 (any precision) as ServiceNow's `YYYY-MM-DD HH:MM:SS` (UTC). */
export function isoToGlide(value: string | Date): string {
  const d = typeof value === 'string' ? new Date(value) : value;
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function text(value: FieldValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value.value === 'string') return value.value;
  return '';
}

/** A Table API row (raw values, references without links, dot-walked fields flat) as a version. */
export function versionFromRow(row: TableRecord): ServiceNowVersion {
  const snapshot: ServiceNowSnapshot = {};
  for (const field of [...TRACKED_FIELDS, ...COMPANION_FIELDS]) snapshot[field] = text(row[field]);
  if (!snapshot.assigned_to) snapshot['assigned_to.email'] = '';
  if (!snapshot.assignment_group) snapshot['assignment_group.name'] = '';
  const active = text(row.active);
  const correlation = row.correlation_id;
  return {
    sysId: text(row.sys_id),
    number: text(row.number),
    modCount: Number.parseInt(text(row.sys_mod_count) || '0', 10) || 0,
    updatedAt: glideToIso(text(row.sys_updated_on)),
    updatedBy: text(row.sys_updated_by),
    active: active === 'true' || active === '1',
    correlationId: correlation === undefined ? null : text(correlation),
    snapshot,
  };
}

/** The incident of a push as a version. */
export function versionFromPush(event: PushEventBody): ServiceNowVersion {
  const i = event.incident;
  const snapshot: ServiceNowSnapshot = {
    short_description: i.short_description,
    description: i.description,
    state: i.state,
    priority: i.priority,
    impact: i.impact,
    urgency: i.urgency,
    assigned_to: i.assigned_to?.sys_id ?? '',
    'assigned_to.email': i.assigned_to?.email ?? '',
    assignment_group: i.assignment_group?.sys_id ?? '',
    'assignment_group.name': i.assignment_group?.name ?? '',
    close_code: i.close_code,
    close_notes: i.close_notes,
  };
  return {
    sysId: i.sys_id,
    number: i.number,
    modCount: i.sys_mod_count,
    updatedAt: i.sys_updated_on,
    updatedBy: i.sys_updated_by,
    active: i.active,
    correlationId: null,
    snapshot,
  };
}

/** The change a push describes. */
export function changeFromPush(event: PushEventBody): InboundChange {
  const change: InboundChange = {
    type: event.type,
    sequence: event.sequence,
    occurredAt: event.occurred_at,
    changedFields: [...event.changed_fields],
    record: versionFromPush(event),
  };
  if (event.journal) {
    change.journal = {
      sysId: event.journal.sys_id,
      element: event.journal.element,
      value: event.journal.value,
      author: event.journal.author,
      createdAt: event.journal.created_on || event.occurred_at,
    };
  }
  if (event.attachment) {
    change.attachment = {
      sysId: event.attachment.sys_id,
      fileName: event.attachment.file_name,
      sizeBytes: event.attachment.size_bytes,
      author: event.attachment.author,
      createdAt: event.attachment.created_on || event.occurred_at,
    };
  }
  return change;
}

/** The tracked fields whose values differ between two snapshots (a field missing from `before` differs). */
export function diffSnapshots(before: ServiceNowSnapshot, after: ServiceNowSnapshot): TrackedField[] {
  return TRACKED_FIELDS.filter((field) => field in after && (before[field] ?? null) !== after[field]);
}

/** Orders the events of one incident: sequence, then kind (the contract's EVENT_RANK, as the app does), then arrival. */
export function orderKeyOf(type: InboundEventType, sequence: number, receivedAt: Date): string {
  return `${String(Math.max(0, sequence)).padStart(10, '0')}.${EVENT_RANK[type]}.${String(receivedAt.getTime()).padStart(15, '0')}`;
}
