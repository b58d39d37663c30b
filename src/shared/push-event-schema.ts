import Ajv2020 from 'ajv/dist/2020';
import {
  EVENT_TYPE,
  EVENT_TYPES,
  JOURNAL_FIELDS,
  PING_EVENT_TYPE,
  PUSH_LIMITS,
  SCHEMA_VERSION,
  SYNCED_FIELDS,
  type AttachmentInfo,
  type IncidentSnapshot,
  type JournalEntry,
  type PushEvent,
} from '../server/contract/push-event';

/**
 * The JSON Schema of a push, built from the contract module (src/server/contract/push-event.ts), so
 * its enums and bounds cannot drift from what the app sends and the companion reads; the property
 * lists are typed against the payload's interfaces, so a field added to one and not the other
 * fails the type check. `npm run schema` writes it to schema/push-event.schema.json (for readers
 * outside this code); a unit test fails when that file differs from what this module builds.
 */

const TIMESTAMP = '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\dZ';
const ref = (name: string) => ({ $ref: `#/$defs/${name}` }) as const;

/** A schema's properties for every field of T, and no other. */
type PropertiesOf<T> = { [K in keyof Required<T>]: object };
function required<T>(...names: Array<keyof T & string>): string[] {
  return names;
}

const incidentFields = {
  sys_id: ref('sysId'),
  number: ref('name'),
  short_description: { description: '160 characters on a base instance; instances widen it.', type: 'string', maxLength: PUSH_LIMITS.shortDescription },
  description: ref('text'),
  state: {
    description: 'Stored value; base states 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled; instances add their own.',
    type: 'string',
    maxLength: PUSH_LIMITS.name,
  },
  state_label: ref('name'),
  priority: ref('name'),
  priority_label: ref('name'),
  impact: ref('name'),
  urgency: ref('name'),
  active: { type: 'boolean' },
  assignment_group: ref('reference'),
  assigned_to: ref('userReference'),
  cmdb_ci: ref('reference'),
  business_service: ref('reference'),
  caller: ref('userReference'),
  close_code: ref('name'),
  close_notes: ref('text'),
  sys_created_on: ref('optionalTimestamp'),
  sys_updated_on: ref('optionalTimestamp'),
  sys_updated_by: ref('name'),
  sys_mod_count: { description: 'A non-negative safe integer (at most 2^53 - 1).', type: 'integer', minimum: 0, maximum: PUSH_LIMITS.modCount },
} satisfies PropertiesOf<IncidentSnapshot>;

const journalFields = {
  sys_id: ref('sysId'),
  element: { enum: [...JOURNAL_FIELDS] },
  value: ref('text'),
  author: { description: 'user_name of the author', ...ref('name') },
  created_on: ref('optionalTimestamp'),
} satisfies PropertiesOf<JournalEntry>;

const attachmentFields = {
  sys_id: ref('sysId'),
  file_name: ref('name'),
  content_type: { description: 'As the uploader declared it: receivers check the bytes.', ...ref('name') },
  size_bytes: { description: 'The file size in bytes.', type: 'integer', minimum: 0, maximum: PUSH_LIMITS.modCount },
  author: { description: 'user_name of who attached it', ...ref('name') },
  created_on: ref('optionalTimestamp'),
} satisfies PropertiesOf<AttachmentInfo>;

const eventFields = {
  schema_version: { const: SCHEMA_VERSION },
  event_id: {
    description: 'Stable id of this event: the same on every delivery attempt and resend. Receivers dedupe on it.',
    type: 'string',
    pattern: '^[0-9a-f]{32}$',
  },
  type: {
    description: `${PING_EVENT_TYPE}: a test event an admin sends from the app's Status page (Send test event) to prove the receiver verifies the app's signature; it carries no incident and is never synced.`,
    enum: [...EVENT_TYPES, PING_EVENT_TYPE],
  },
  occurred_at: ref('timestamp'),
  instance: { description: "The instance's name (system property instance_name).", type: 'string', maxLength: PUSH_LIMITS.name },
  sequence: {
    description:
      "The incident's sys_mod_count this event reflects (deletions: the last sys_mod_count + 1). A receiver never applies an incident.updated older than one it applied.",
    type: 'integer',
    minimum: 0,
    maximum: PUSH_LIMITS.modCount,
  },
  changed_fields: {
    description: 'Synced fields that changed (on creation: those with a value); empty for journal, attachment and deletion events.',
    type: 'array',
    uniqueItems: true,
    maxItems: SYNCED_FIELDS.length,
    items: { enum: [...SYNCED_FIELDS] },
  },
  incident: ref('incident'),
  journal: ref('journal'),
  attachment: ref('attachment'),
} satisfies PropertiesOf<PushEvent>;

export const pushEventSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `https://incident.io/schemas/servicenow/push-event.v${SCHEMA_VERSION}.json`,
  title: 'incident.io ServiceNow app push event',
  description:
    'Body of every POST the x_incident_io app makes to incident.io\'s webhook. Generated from src/server/contract/push-event.ts (npm run schema); built by src/server/lib/payload.ts and queue.ts; verified by the companion\'s receiver. Timestamps are ISO 8601 in UTC. Field values of the incident are ServiceNow\'s stored values as strings (state "2", priority "1"), with display labels alongside where useful.',
  type: 'object',
  additionalProperties: false,
  required: required<PushEvent>('schema_version', 'event_id', 'type', 'occurred_at', 'instance'),
  properties: eventFields,
  allOf: [
    {
      if: { required: ['type'], properties: { type: { const: PING_EVENT_TYPE } } },
      then: { properties: { sequence: false, changed_fields: false, incident: false, journal: false, attachment: false } },
      else: { required: required<PushEvent>('sequence', 'changed_fields', 'incident') },
    },
    {
      if: { required: ['type'], properties: { type: { const: EVENT_TYPE.journal } } },
      then: { required: ['journal'] },
      else: { not: { required: ['journal'] } },
    },
    {
      if: { required: ['type'], properties: { type: { const: EVENT_TYPE.attachment } } },
      then: { required: ['attachment'] },
      else: { not: { required: ['attachment'] } },
    },
  ],
  $defs: {
    timestamp: {
      description: 'A UTC time to the second; month 01-12, day 01-31, hour 00-23, minute and second 00-59.',
      type: 'string',
      pattern: `^${TIMESTAMP}$`,
    },
    optionalTimestamp: { description: 'A timestamp, or empty when the instance has none.', type: 'string', pattern: `^(${TIMESTAMP})?$` },
    name: { description: 'A short value: a name, label, choice value, user name or e-mail.', type: 'string', maxLength: PUSH_LIMITS.name },
    text: { description: "A long text: ServiceNow's largest string columns hold 65,000 characters.", type: 'string', maxLength: PUSH_LIMITS.text },
    sysId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    reference: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['sys_id', 'name'],
      properties: { sys_id: ref('sysId'), name: ref('name') },
    },
    userReference: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['sys_id', 'name', 'user_name', 'email'],
      properties: { sys_id: ref('sysId'), name: ref('name'), user_name: ref('name'), email: ref('name') },
    },
    incident: {
      type: 'object',
      additionalProperties: false,
      required: Object.keys(incidentFields),
      properties: incidentFields,
    },
    journal: {
      type: 'object',
      additionalProperties: false,
      required: Object.keys(journalFields),
      properties: journalFields,
    },
    attachment: {
      description: 'A file attached to the incident (sys_attachment), metadata only: receivers fetch the bytes with the Attachment API.',
      type: 'object',
      additionalProperties: false,
      required: Object.keys(attachmentFields),
      properties: attachmentFields,
    },
  },
};

/** The schema as the committed file holds it: two-space JSON, short arrays and objects on one line. */
export function pushEventSchemaJson(): string {
  return formatJson(pushEventSchema, '') + '\n';
}

function formatJson(value: unknown, indent: string): string {
  const inline = JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']');
  if (value === null || typeof value !== 'object' || indent.length + inline.length <= 110) return inline;
  const inner = indent + '  ';
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(pushEventSchema);

export type SchemaCheck = { ok: true } | { ok: false; errors: string[] };

/** Validates a push event against the schema: both sides' tests, and the companion's receiver, run it. */
export function checkPushEvent(value: unknown): SchemaCheck {
  if (validate(value)) return { ok: true };
  return {
    ok: false,
    errors: (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`),
  };
}
