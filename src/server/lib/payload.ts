import {
  isPingEvent,
  PUSH_LIMITS,
  type AnyPushEvent,
  type AttachmentInfo,
  type IncidentSnapshot,
  type JournalEntry,
  type JournalField,
  type Reference,
  type UserReference,
} from '../contract/push-event.ts';
import type { RecordReader } from './glide-interfaces.ts';
import { glideToIso } from './time.ts';

/** Builds the push payload (../contract/push-event.ts) from the instance's records. */

/** Resolves a reference's sys_id to the names a receiver needs; null when the record is gone. */
export interface ReferenceLookup {
  user(sysId: string): UserReference | null;
  record(table: string, sysId: string): Reference | null;
}

/**
 * Names no reference: the business rules queue an event with only the references' sys_ids (no
 * read inside the user's transaction), and the delivery names them (resolvePayloadReferences).
 */
export const DEFERRED_LOOKUP: ReferenceLookup = {
  user: () => null,
  record: () => null,
};

const RECORD_REFERENCES: ReadonlyArray<readonly [keyof IncidentSnapshot, string]> = [
  ['assignment_group', 'sys_user_group'],
  ['cmdb_ci', 'cmdb_ci'],
  ['business_service', 'cmdb_ci_service'],
];
const USER_REFERENCES: ReadonlyArray<keyof IncidentSnapshot> = ['assigned_to', 'caller'];

/**
 * The payload with every reference that has a sys_id but no name named through `lookup`, or null
 * when there was nothing to name (the payload goes out as it is).
 */
export function resolvePayloadReferences(payload: string, lookup: ReferenceLookup): string | null {
  const event = JSON.parse(payload) as AnyPushEvent;
  if (isPingEvent(event)) return null;
  const incident = event.incident as unknown as { [field: string]: Reference | UserReference | null };
  let changed = false;
  for (const [field, table] of RECORD_REFERENCES) {
    const ref = incident[field];
    if (!ref || !ref.sys_id || ref.name) continue;
    const found = lookup.record(table, ref.sys_id);
    if (found) {
      incident[field] = found;
      changed = true;
    }
  }
  for (const field of USER_REFERENCES) {
    const ref = incident[field] as UserReference | null;
    if (!ref || !ref.sys_id || ref.name || ref.user_name) continue;
    const found = lookup.user(ref.sys_id);
    if (found) {
      incident[field] = found;
      changed = true;
    }
  }
  return changed ? JSON.stringify(event) : null;
}

/** Cuts a value to the schema's bound for it, so the receiver never refuses an event for its size. */
function clip(raw: string, limit: number = PUSH_LIMITS.name): string {
  return raw.length > limit ? raw.slice(0, limit) : raw;
}

function value(record: RecordReader, field: string, limit: number = PUSH_LIMITS.name): string {
  return clip(record.getValue(field) || '', limit);
}

/** A field's display value, read as the scoped API documents it (getElement(field).getDisplayValue()). */
function label(record: RecordReader, field: string): string {
  const element = record.getElement(field);
  return clip((element && element.getDisplayValue()) || '');
}

export function isTrue(raw: string | null | undefined): boolean {
  return raw === 'true' || raw === '1';
}

function reference(record: RecordReader, field: string, table: string, lookup: ReferenceLookup): Reference | null {
  const id = value(record, field);
  if (!id) return null;
  const found = lookup.record(table, id);
  return found ? { sys_id: found.sys_id, name: clip(found.name) } : { sys_id: id, name: '' };
}

function userReference(record: RecordReader, field: string, lookup: ReferenceLookup): UserReference | null {
  const id = value(record, field);
  if (!id) return null;
  const found = lookup.user(id);
  if (!found) return { sys_id: id, name: '', user_name: '', email: '' };
  return { sys_id: found.sys_id, name: clip(found.name), user_name: clip(found.user_name), email: clip(found.email) };
}

export function buildIncidentSnapshot(record: RecordReader, lookup: ReferenceLookup): IncidentSnapshot {
  return {
    sys_id: record.getUniqueValue(),
    number: value(record, 'number'),
    short_description: value(record, 'short_description', PUSH_LIMITS.shortDescription),
    description: value(record, 'description', PUSH_LIMITS.text),
    state: value(record, 'state'),
    state_label: label(record, 'state'),
    priority: value(record, 'priority'),
    priority_label: label(record, 'priority'),
    impact: value(record, 'impact'),
    urgency: value(record, 'urgency'),
    active: isTrue(record.getValue('active')),
    assignment_group: reference(record, 'assignment_group', 'sys_user_group', lookup),
    assigned_to: userReference(record, 'assigned_to', lookup),
    cmdb_ci: reference(record, 'cmdb_ci', 'cmdb_ci', lookup),
    business_service: reference(record, 'business_service', 'cmdb_ci_service', lookup),
    caller: userReference(record, 'caller_id', lookup),
    close_code: value(record, 'close_code'),
    close_notes: value(record, 'close_notes', PUSH_LIMITS.text),
    sys_created_on: glideToIso(record.getValue('sys_created_on')),
    sys_updated_on: glideToIso(record.getValue('sys_updated_on')),
    sys_updated_by: value(record, 'sys_updated_by'),
    sys_mod_count: Math.min(Math.max(parseInt(value(record, 'sys_mod_count') || '0', 10) || 0, 0), PUSH_LIMITS.modCount),
  };
}

export function buildJournalEntry(journal: RecordReader): JournalEntry {
  return {
    sys_id: journal.getUniqueValue(),
    // queueJournalEntry only builds entries of the synced journal fields.
    element: value(journal, 'element') as JournalField,
    value: value(journal, 'value', PUSH_LIMITS.text),
    author: value(journal, 'sys_created_by'),
    created_on: glideToIso(journal.getValue('sys_created_on')),
  };
}

export function buildAttachmentInfo(attachment: RecordReader): AttachmentInfo {
  const size = parseInt(value(attachment, 'size_bytes') || '0', 10) || 0;
  return {
    sys_id: attachment.getUniqueValue(),
    file_name: value(attachment, 'file_name'),
    content_type: value(attachment, 'content_type'),
    size_bytes: Math.min(Math.max(size, 0), PUSH_LIMITS.modCount),
    author: value(attachment, 'sys_created_by'),
    created_on: glideToIso(attachment.getValue('sys_created_on')),
  };
}
