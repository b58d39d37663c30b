/**
 * Names shared by the app's records (fluent/) and its code. One place, so they cannot drift apart.
 * What the companion also relies on (event types, fields, headers, roles) is in ../contract/.
 */
import { PING_EVENT_TYPE, type AnyEventType } from '../contract/push-event.ts';

export const SCOPE = 'x_incident_io';
/** Keep equal to package.json "version" (a unit test checks it); reported by GET /health. */
export const APP_VERSION = '1.1.0';

export const OUTBOX_TABLE = 'x_incident_io_outbound_event';

/**
 * The delivery lock (fluent/tables/delivery-lock.now.ts): at most one row, named DELIVERY_LOCK_NAME,
 * held by the one worker (async rule run or scheduled job) sending pushes (delivery-lock.ts).
 */
export const LOCK_TABLE = 'x_incident_io_delivery_lock';
export const DELIVERY_LOCK_NAME = 'delivery';

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
  /**
   * The table follow-up records live in when it is not incident (set by the companion through PUT
   * /config from its mapping's followUps.table): the rules on task push its follow-ups' changes.
   */
  followUpTable: 'x_incident_io.follow_up_table',
  /** Bumped by every configuration write of the app (glide-environment.ts): the config cache's key. */
  configVersion: 'x_incident_io.config_version',
} as const;

/** Longest the app's business rules use a cached configuration without re-reading it, ms. */
export const CONFIG_CACHE_MAX_AGE_MS = 60_000;

/** The outbox row of a test event (PingEvent) has no incident: it is ordered under this key in incident_sys_id. */
export const PING_ORDER_KEY = PING_EVENT_TYPE;
/** What the outbox's event_type holds. */
export type OutboxEventType = AnyEventType;

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
