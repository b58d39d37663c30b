/**
 * The push contract between the app (sender) and the companion (receiver): the one place its facts
 * are written. It lives under src/server because the app's build bundles only modules under its
 * serverModulesDir (a module imported from outside it is left out of the build); the companion
 * imports it from here. schema/push-event.schema.json is generated from this module
 * (src/shared/push-event-schema.ts builds it; `npm run schema` writes it; a unit test fails when the
 * committed file differs).
 */

/**
 * The envelope's version. It changes only for a change an older receiver cannot take safely (a
 * field renamed, removed or given another meaning). A new event type with its own optional part
 * (incident.attachment) keeps it: a receiver built before the type acknowledges and drops
 * a signed version-1 push of a type it does not know (the companion's parsePushBody), while a
 * version-2 envelope would be refused by every such receiver and retried by the app until dead.
 */
export const SCHEMA_VERSION = 1;

export const EVENT_TYPE = {
  created: 'incident.created',
  updated: 'incident.updated',
  deleted: 'incident.deleted',
  journal: 'incident.journal',
  attachment: 'incident.attachment',
} as const;
export type EventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];
/** The incident events (EVENT_RANK orders those of one sys_mod_count). */
export const EVENT_TYPES: readonly EventType[] = [EVENT_TYPE.created, EVENT_TYPE.updated, EVENT_TYPE.deleted, EVENT_TYPE.journal, EVENT_TYPE.attachment];
/**
 * Where an event goes among the events of one incident at one sequence (sys_mod_count): a creation
 * before an update before a journal entry or attachment before a deletion. The app delivers in this
 * order (src/server/lib/ordering.ts) and the companion applies in it (its orderKeyOf). The keys are
 * checked against EventType: a type added to EVENT_TYPE without a rank fails to compile.
 */
export const EVENT_RANK: { readonly [type in EventType]: number } = {
  'incident.created': 0,
  'incident.updated': 1,
  'incident.journal': 2,
  'incident.attachment': 2,
  'incident.deleted': 3,
};

/**
 * The test event (PingEvent). Its outbox row has no incident: it is ordered under this key in
 * incident_sys_id, apart from every incident's events.
 */
export const PING_EVENT_TYPE = 'ping';
export type AnyEventType = EventType | typeof PING_EVENT_TYPE;

/**
 * Incident fields whose changes are pushed (an event's changed_fields). A change to any other
 * field alone pushes nothing. The companion syncs a subset of them (its TRACKED_FIELDS).
 */
export const SYNCED_FIELDS = [
  'short_description',
  'description',
  'state',
  'priority',
  'impact',
  'urgency',
  'assignment_group',
  'assigned_to',
  'cmdb_ci',
  'business_service',
  'caller_id',
  'close_code',
  'close_notes',
] as const;
export type SyncedField = (typeof SYNCED_FIELDS)[number];

/**
 * What the companion writes into correlation_display of every record it creates (incidents and
 * follow-ups); the follow-up rules on task filter on it (fluent/business-rules/incident-push.now.ts).
 */
export const CORRELATION_DISPLAY = 'incident.io';

/** Journal fields of an incident whose entries are pushed as incident.journal events. */
export const JOURNAL_FIELDS = ['comments', 'work_notes'] as const;
export type JournalField = (typeof JOURNAL_FIELDS)[number];
export function isJournalField(field: string): field is JournalField {
  return (JOURNAL_FIELDS as readonly string[]).indexOf(field) >= 0;
}

/**
 * Headers of every push. The signature is `t=<unix seconds>,v1=<base64 HMAC-SHA256>` (signature.ts
 * in src/server/lib builds it, the companion's webhooks/verify-signature.ts checks it).
 */
export const HEADER = {
  eventId: 'X-Incident-Io-Event-Id',
  signature: 'X-Incident-Io-Signature',
  attempt: 'X-Incident-Io-Delivery-Attempt',
} as const;

/**
 * Bounds of a push (the schema's maxLength and maximum). The payload builder cuts longer values,
 * so the receiver never refuses an event for its size: names and choice values, a short
 * description, long texts (description, close notes, journal entries: ServiceNow's largest string
 * columns hold 65,000 characters), and sys_mod_count (at most 2^53 - 1, the largest integer a JSON
 * number keeps exactly).
 */
export const PUSH_LIMITS = { name: 255, shortDescription: 4000, text: 65536, modCount: 9007199254740991 } as const;

export interface Reference {
  sys_id: string;
  name: string;
}

export interface UserReference extends Reference {
  user_name: string;
  email: string;
}

export interface IncidentSnapshot {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  /** Stored values ("1", "2", …) as on the instance; custom states keep their own values. */
  state: string;
  state_label: string;
  priority: string;
  priority_label: string;
  impact: string;
  urgency: string;
  active: boolean;
  assignment_group: Reference | null;
  assigned_to: UserReference | null;
  cmdb_ci: Reference | null;
  business_service: Reference | null;
  caller: UserReference | null;
  close_code: string;
  close_notes: string;
  /** ISO 8601, UTC. */
  sys_created_on: string;
  sys_updated_on: string;
  sys_updated_by: string;
  sys_mod_count: number;
}

export interface JournalEntry {
  sys_id: string;
  element: JournalField;
  value: string;
  /** user_name of the author. */
  author: string;
  /** ISO 8601, UTC. */
  created_on: string;
}

/**
 * A file attached to an incident (a sys_attachment row): metadata only. The companion fetches the
 * bytes with the Attachment API (GET /api/now/attachment/{sys_id}/file) when it wants them.
 */
export interface AttachmentInfo {
  sys_id: string;
  file_name: string;
  /** As the uploader declared it; the receiver checks the bytes, never trusts this. */
  content_type: string;
  size_bytes: number;
  /** user_name of who attached it. */
  author: string;
  /** ISO 8601, UTC. */
  created_on: string;
}

export interface PushEvent {
  schema_version: number;
  event_id: string;
  type: EventType;
  /** ISO 8601, UTC: when the change happened on the instance. */
  occurred_at: string;
  /** The instance's name (property instance_name). */
  instance: string;
  /** The incident's sys_mod_count the event reflects; deletions carry the last sys_mod_count + 1. */
  sequence: number;
  /** Synced fields that changed (on creation: those with a value); [] for journal events. */
  changed_fields: string[];
  incident: IncidentSnapshot;
  /** Present exactly when type is incident.journal. */
  journal?: JournalEntry;
  /** Present exactly when type is incident.attachment. */
  attachment?: AttachmentInfo;
}

/**
 * The test event of the Status page's "Send test event": signed and sent like any push, so an admin
 * proves from ServiceNow that the receiver verifies the app's signature. No incident, never synced.
 */
export interface PingEvent {
  schema_version: number;
  event_id: string;
  type: typeof PING_EVENT_TYPE;
  /** ISO 8601, UTC: when the admin asked for it. */
  occurred_at: string;
  instance: string;
}

/** Every body the app pushes. */
export type AnyPushEvent = PushEvent | PingEvent;

export function isPingEvent(event: AnyPushEvent): event is PingEvent {
  return event.type === PING_EVENT_TYPE;
}
