/** Names shared by the app's records (fluent/) and its code. One place, so they cannot drift apart. */

export const SCOPE = 'x_incident_io';
/** Keep equal to package.json "version" (a unit test checks it); reported by GET /health. */
export const APP_VERSION = '1.1.0';

export const OUTBOX_TABLE = 'x_incident_io_outbound_event';

/**
 * The app's configuration record (fluent/tables/config.now.ts): one row, named CONFIG_RECORD_NAME,
 * holding the signing secret in a password2 field, written with setDisplayValue() and read with
 * getDecryptedValue() (docs/platform-apis.md says why not a property).
 */
export const CONFIG_TABLE = 'x_incident_io_config';
export const CONFIG_RECORD_NAME = 'default';
export const CONFIG_FIELD = {
  name: 'name',
  signingSecret: 'signing_secret',
  /** The identity of the instance PUT /config ran on (clone-guard.ts). */
  instanceName: 'instance_name',
  instanceUrl: 'instance_url',
} as const;

export const PROPERTY = {
  enabled: 'x_incident_io.enabled',
  webhookUrl: 'x_incident_io.webhook_url',
  /** Where versions up to 1.0.0 kept the signing secret; read once to move it to the config record, then cleared. */
  legacySigningSecret: 'x_incident_io.signing_secret',
  integrationUser: 'x_incident_io.integration_user',
  maxAttempts: 'x_incident_io.max_attempts',
  retryBaseSeconds: 'x_incident_io.retry_base_seconds',
  retentionDays: 'x_incident_io.retention_days',
  requestTimeoutSeconds: 'x_incident_io.request_timeout_seconds',
  /** Bumped by every configuration write of the app (glide-environment.ts): the config cache's key. */
  configVersion: 'x_incident_io.config_version',
} as const;

/** Longest the app's business rules use a cached configuration without re-reading it, ms. */
export const CONFIG_CACHE_MAX_AGE_MS = 60_000;

export const EVENT_TYPE = {
  created: 'incident.created',
  updated: 'incident.updated',
  deleted: 'incident.deleted',
  journal: 'incident.journal',
} as const;
export type EventType = (typeof EVENT_TYPE)[keyof typeof EVENT_TYPE];

/**
 * The test event (payload.ts PingEvent). Its outbox row has no incident: it is ordered under this
 * key in incident_sys_id, apart from every incident's events.
 */
export const PING_EVENT_TYPE = 'ping';
export const PING_ORDER_KEY = 'ping';
/** What the outbox's event_type holds. */
export type OutboxEventType = EventType | typeof PING_EVENT_TYPE;

export const OUTBOX_STATE = {
  queued: 'queued',
  sending: 'sending',
  delivered: 'delivered',
  failed: 'failed',
  dead: 'dead',
} as const;
export type OutboxState = (typeof OUTBOX_STATE)[keyof typeof OUTBOX_STATE];
export const OUTBOX_STATES: OutboxState[] = ['queued', 'sending', 'delivered', 'failed', 'dead'];
/** States of an event that has not reached the receiver yet and still may. */
export const PENDING_STATES: OutboxState[] = ['queued', 'sending', 'failed'];

/** Incident fields whose changes are pushed. A change to any other field alone pushes nothing. */
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

/** Journal fields of an incident whose entries are pushed as incident.journal events. */
export const JOURNAL_FIELDS = ['comments', 'work_notes'] as const;
export type JournalField = (typeof JOURNAL_FIELDS)[number];

/** Headers of every push. */
export const HEADER = {
  eventId: 'X-Incident-Io-Event-Id',
  signature: 'X-Incident-Io-Signature',
  attempt: 'X-Incident-Io-Delivery-Attempt',
} as const;

/** Roles the service account needs (setup guide step 3); reported by GET /health for the caller. */
export const API_USER_ROLE = 'x_incident_io.api_user';
export const REQUIRED_ROLES = [API_USER_ROLE, 'cmdb_read', 'sn_cmdb_user', 'incident_manager'] as const;

/**
 * Bounds of a push (schema/push-event.schema.json's maxLength and maximum; a unit test keeps the
 * two equal). The payload builder cuts longer values, so the receiver never refuses an event for
 * its size: names and choice values, a short description, long texts (description, close notes,
 * journal entries: ServiceNow's largest string columns hold 65,000 characters), and sys_mod_count
 * (at most 2^53 - 1, the largest integer a JSON number keeps exactly).
 */
export const PUSH_LIMITS = { name: 255, shortDescription: 4000, text: 65536, modCount: 9007199254740991 } as const;
