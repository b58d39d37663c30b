import '@servicenow/sdk/global';
import { Property } from '@servicenow/sdk/core';
import { appAdminRole } from './security/roles.now';

// Every property is read through src/server/lib/config.ts (readConfig) unless noted.

/** Master switch for pushes. Read by readConfig; set by PUT /sync/config (Connect sets it). */
Property({
  $id: Now.ID['property-enabled'],
  name: 'x_incident_io.enabled',
  type: 'boolean',
  value: 'false',
  description: 'Push incident changes to incident.io. Connect turns this on once the webhook URL and signing secret are set.',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/** Where pushes go. Read by readConfig (delivery); set by PUT /sync/config. */
Property({
  $id: Now.ID['property-webhook-url'],
  name: 'x_incident_io.webhook_url',
  type: 'string',
  value: '',
  description: 'incident.io webhook URL the app POSTs incident events to (https; http only for a loopback host).',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/**
 * Where versions up to 1.0.0 kept the HMAC key. The secret now lives in the configuration record
 * (fluent/tables/config.now.ts). Kept so an upgrade can move a configured secret: the first read
 * (src/server/lib/signing-secret.ts, currentSigningSecret) moves it and clears this property.
 */
Property({
  $id: Now.ID['property-signing-secret'],
  name: 'x_incident_io.signing_secret',
  type: 'password2',
  value: '',
  description: 'No longer used: the signing secret moved to the incident.io configuration record. Emptied after the move.',
  isPrivate: true,
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/** User whose changes are incident.io's own and are not pushed back. Read by readConfig (business rules). */
Property({
  $id: Now.ID['property-integration-user'],
  name: 'x_incident_io.integration_user',
  type: 'string',
  value: '',
  description: "User name of incident.io's service account. Changes it makes are not pushed back to incident.io (no echo).",
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/**
 * The table follow-ups live in when it is not incident. Set by the companion through PUT /config
 * (services/configuration.ts); read by the conditions of the follow-up rules (fluent/business-rules/incident-push.now.ts).
 */
Property({
  $id: Now.ID['property-follow-up-table'],
  name: 'x_incident_io.follow_up_table',
  type: 'string',
  value: '',
  description: "Table of incident.io follow-up records (the companion's followUps.table, such as problem); empty or incident: the incident rules cover them.",
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/** Read by readConfig (delivery: attemptDelivery marks an event dead after this many attempts). */
Property({
  $id: Now.ID['property-max-attempts'],
  name: 'x_incident_io.max_attempts',
  type: 'integer',
  value: '12',
  description: 'Delivery attempts per event before it is marked dead.',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/** Read by readConfig (delivery: retryDelaySeconds). */
Property({
  $id: Now.ID['property-retry-base-seconds'],
  name: 'x_incident_io.retry_base_seconds',
  type: 'integer',
  value: '30',
  description: 'First retry delay in seconds; it doubles with each attempt (with jitter), up to one hour.',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/** Read by readConfig (the scheduled job purges delivered events older than this). */
Property({
  $id: Now.ID['property-retention-days'],
  name: 'x_incident_io.retention_days',
  type: 'integer',
  value: '7',
  description: 'Days delivered events are kept in the outbox before they are purged.',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/** Read by readConfig (delivery: RESTMessageV2 timeout). */
Property({
  $id: Now.ID['property-request-timeout-seconds'],
  name: 'x_incident_io.request_timeout_seconds',
  type: 'integer',
  value: '10',
  description: 'Seconds to wait for incident.io to answer one push (1 to 30; a scheduler worker waits meanwhile).',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});

/**
 * Changes on every configuration write of the app (glide-environment.ts: properties.set): business
 * rules keep the configuration cached while it stays the same (config-cache.ts).
 */
Property({
  $id: Now.ID['property-config-version'],
  name: 'x_incident_io.config_version',
  type: 'string',
  value: '',
  description: 'Changes whenever the app writes its configuration; after editing another x_incident_io property by hand, set this to any new value so business rules see it at once (otherwise within a minute).',
  roles: { read: [appAdminRole], write: [appAdminRole] },
});
