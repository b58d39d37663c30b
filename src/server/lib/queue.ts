import {
  EVENT_TYPE,
  isJournalField,
  SCHEMA_VERSION,
  SYNCED_FIELDS,
  type AttachmentInfo,
  type EventType,
  type IncidentSnapshot,
  type JournalEntry,
  type PushEvent,
} from '../contract/push-event.ts';
import { changedFields, isIntegrationUser } from './change-detection.ts';
import { cloneMessage } from './clone-guard.ts';
import type { AppConfig } from './config.ts';
import type { RecordReader } from './glide-interfaces.ts';
import { orderKey } from './ordering.ts';
import type { OutboxStore } from './outbox-store.ts';
import { buildAttachmentInfo, buildIncidentSnapshot, buildJournalEntry, type ReferenceLookup } from './payload.ts';
import { glideToIso, toGlideDateTime } from './time.ts';

/** What the business rules need to turn a change into an outbox event. */
export interface QueueDeps {
  config: AppConfig;
  /** The user making the change (gs.getUserName()). */
  userName: string;
  /** property instance_name */
  instance: string;
  nowMs(): number;
  guid(): string;
  store: OutboxStore;
  lookup: ReferenceLookup;
  /** Loads an incident by sys_id (journal entries only carry the id). */
  incident(sysId: string): RecordReader | null;
}

export type QueueResult = { queued: PushEvent; outboxSysId: string } | { skipped: string };

function enqueue(
  deps: QueueDeps,
  type: EventType,
  sequence: number,
  occurredAt: string,
  changed: string[],
  incident: IncidentSnapshot,
  part?: { journal: JournalEntry } | { attachment: AttachmentInfo },
): QueueResult {
  const now = deps.nowMs();
  const event: PushEvent = {
    schema_version: SCHEMA_VERSION,
    event_id: deps.guid(),
    type,
    occurred_at: occurredAt || glideToIso(toGlideDateTime(now)),
    instance: deps.instance,
    sequence,
    changed_fields: changed,
    incident,
  };
  if (part && 'journal' in part) event.journal = part.journal;
  if (part && 'attachment' in part) event.attachment = part.attachment;
  const outboxSysId = deps.store.insert({
    event_id: event.event_id,
    event_type: type,
    incident_sys_id: incident.sys_id,
    incident_number: incident.number,
    sequence,
    order_key: orderKey(sequence, type, now),
    payload: JSON.stringify(event),
    next_attempt_at: toGlideDateTime(now),
  });
  return { queued: event, outboxSysId };
}

/** Why nothing is queued for a change, or null when it should be. */
function skipReason(deps: QueueDeps, author: string): string | null {
  if (!deps.config.enabled) return 'pushes are disabled (x_incident_io.enabled is false)';
  if (deps.config.clone) return cloneMessage(deps.config.clone);
  if (isIntegrationUser(author, deps.config.integrationUser)) return 'made by the integration user (no echo)';
  return null;
}

/** After insert/update on incident. */
export function queueIncidentChange(
  current: RecordReader,
  previous: RecordReader | null,
  operation: string,
  deps: QueueDeps,
): QueueResult {
  const reason = skipReason(deps, deps.userName);
  if (reason) return { skipped: reason };
  const isInsert = operation === 'insert';
  const changed = changedFields(current, isInsert ? null : previous, SYNCED_FIELDS);
  if (!isInsert && changed.length === 0) return { skipped: 'no synced field changed' };
  const incident = buildIncidentSnapshot(current, deps.lookup);
  return enqueue(
    deps,
    isInsert ? EVENT_TYPE.created : EVENT_TYPE.updated,
    incident.sys_mod_count,
    incident.sys_updated_on,
    changed,
    incident,
  );
}

/** After delete on incident. The deletion's sequence is one past the last update's. */
export function queueIncidentDeletion(current: RecordReader, deps: QueueDeps): QueueResult {
  const reason = skipReason(deps, deps.userName);
  if (reason) return { skipped: reason };
  const incident = buildIncidentSnapshot(current, deps.lookup);
  return enqueue(deps, EVENT_TYPE.deleted, incident.sys_mod_count + 1, '', [], incident);
}

/** After insert on sys_journal_field: a comment or work note on an incident. */
export function queueJournalEntry(journal: RecordReader, deps: QueueDeps): QueueResult {
  if (journal.getValue('name') !== 'incident') return { skipped: 'not an incident journal entry' };
  const element = journal.getValue('element') || '';
  if (!isJournalField(element)) return { skipped: 'journal field ' + element + ' is not synced' };
  const author = journal.getValue('sys_created_by') || deps.userName;
  const reason = skipReason(deps, author) || skipReason(deps, deps.userName);
  if (reason) return { skipped: reason };
  const record = deps.incident(journal.getValue('element_id') || '');
  if (!record) return { skipped: 'the incident of the journal entry no longer exists' };
  const incident = buildIncidentSnapshot(record, deps.lookup);
  const entry = buildJournalEntry(journal);
  return enqueue(deps, EVENT_TYPE.journal, incident.sys_mod_count, entry.created_on, [], incident, { journal: entry });
}

/** After insert on sys_attachment: a file attached to an incident (metadata only; no bytes are read). */
export function queueAttachment(attachment: RecordReader, deps: QueueDeps): QueueResult {
  if (attachment.getValue('table_name') !== 'incident') return { skipped: 'not an attachment of an incident' };
  const author = attachment.getValue('sys_created_by') || deps.userName;
  const reason = skipReason(deps, author) || skipReason(deps, deps.userName);
  if (reason) return { skipped: reason };
  const record = deps.incident(attachment.getValue('table_sys_id') || '');
  if (!record) return { skipped: 'the incident of the attachment no longer exists' };
  const incident = buildIncidentSnapshot(record, deps.lookup);
  const info = buildAttachmentInfo(attachment);
  return enqueue(deps, EVENT_TYPE.attachment, incident.sys_mod_count, info.created_on, [], incident, { attachment: info });
}

