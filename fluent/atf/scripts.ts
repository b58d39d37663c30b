/**
 * The server-side scripts of the app's ATF tests (fluent/atf/*.now.ts), as the "Run Server Side
 * Script" step runs them: the body is one function called with (outputs, steps, params, stepResult,
 * assertEqual); returning false fails the step, assertEqual() fails it with a named comparison.
 * Scripts are ES5, as the platform's script engine runs them in any scope. Every script is a
 * template literal of constants only: the Now SDK evaluates Fluent statically and cannot call a
 * function to build a step's input. The contract's facts (role name, event types, schema version)
 * are interpolated from src/server/contract, so no script re-types them.
 */

import { EVENT_TYPE, SCHEMA_VERSION } from '../../src/server/contract/push-event';
import { API_USER_ROLE } from '../../src/server/contract/roles';

// Plain string constants, one per name: inside a Test() the SDK reads `a.b` as a step's output.

/** Makes the incident changes that must be pushed. ATF rolls back every user a test creates. */
export const CREATOR_USER = 'atf.x_incident_io.creator';
/** Stands for incident.io's service account: the app's integration user while a test runs. */
export const INTEGRATION_USER = 'atf.x_incident_io.integration';
/** Calls the app's API with x_incident_io.api_user. */
export const API_USER = 'atf.x_incident_io.api_user';
/** Calls the app's API without x_incident_io.api_user. */
export const NO_ROLE_USER = 'atf.x_incident_io.no_role';

/**
 * The event types the scripts check (the contract's). The recordQuery steps' fieldValues in
 * outbox-tests.now.ts still spell theirs out: the SDK reads every `${…}` there as a step's output
 * and fails the build on a constant; the build-output test checks them against the contract.
 */
const CREATED_EVENT = EVENT_TYPE.created;
const JOURNAL_EVENT = EVENT_TYPE.journal;

/** Short descriptions that tell each test's incident apart (the scripts find the incident by it). */
export const CREATED_INCIDENT = 'ATF x_incident_io: created by a test user';
export const INTEGRATION_INCIDENT = 'ATF x_incident_io: written by the integration user';
export const JOURNAL_INCIDENT = 'ATF x_incident_io: comment and work note';
export const UNSYNCED_INCIDENT = 'ATF x_incident_io: field that is not synced';

const OPEN = '(function (outputs, steps, params, stepResult, assertEqual) {';
const CLOSE = '})(outputs, steps, params, stepResult, assertEqual);';

/**
 * Turns pushes on with no webhook URL, for this test only: the business rules queue events as
 * usual, and delivery (which needs a URL, canDeliver() in src/server/lib/config.ts) sends nothing,
 * so no push leaves the instance while the test runs. The integration user becomes the test's own.
 * ATF rolls these property changes back when the test ends; events real users queue meanwhile
 * stay queued and the scheduled job sends them afterwards (README, "Automated Test Framework tests").
 */
export const HOLD_PUSHES_SCRIPT = `${OPEN}
  gs.setProperty('x_incident_io.enabled', 'true');
  gs.setProperty('x_incident_io.webhook_url', '');
  gs.setProperty('x_incident_io.integration_user', '${INTEGRATION_USER}');
  // The business rules cache the configuration per config_version: a new one makes them read it now.
  gs.setProperty('x_incident_io.config_version', 'atf-' + gs.generateGUID());
  stepResult.setOutputMessage('Pushes on, no webhook URL (nothing is sent), integration user ${INTEGRATION_USER}');
  return true;
${CLOSE}
`;

/**
 * Finds the test's incident by its short description (a script cannot read step outputs by name:
 * the steps' sys_ids are minted at build time) and reads its outbox events, in delivery order.
 */
const FIND_INCIDENT_EVENTS = `  var incident = new GlideRecord('incident');
  incident.addQuery('short_description', shortDescription);
  incident.query();
  if (!incident.next()) {
    stepResult.setOutputMessage('No incident "' + shortDescription + '": the earlier Record Insert step did not run');
    return false;
  }
  var incidentId = incident.getUniqueValue();
  var events = [];
  var gr = new GlideRecord('x_incident_io_outbound_event');
  gr.addQuery('incident_sys_id', incidentId);
  gr.orderBy('order_key');
  gr.query();
  while (gr.next()) {
    events.push({ type: gr.getValue('event_type'), state: gr.getValue('state'), eventId: gr.getValue('event_id'),
      sequence: gr.getValue('sequence'), payload: JSON.parse(gr.getValue('payload')) });
  }`;

/** The incident.created event: exactly one, still queued (nothing sent), with the documented payload. */
export const CHECK_CREATED_EVENT_SCRIPT = `${OPEN}
  var shortDescription = '${CREATED_INCIDENT}';
${FIND_INCIDENT_EVENTS}
  assertEqual({ name: 'outbox events of the new incident', shouldbe: 1, value: events.length });
  var event = events[0];
  var p = event.payload;
  assertEqual({ name: 'event_type', shouldbe: '${CREATED_EVENT}', value: event.type });
  assertEqual({ name: 'state (queued: nothing was sent)', shouldbe: 'queued', value: event.state });
  assertEqual({ name: 'payload schema_version', shouldbe: ${SCHEMA_VERSION}, value: p.schema_version });
  assertEqual({ name: 'payload type', shouldbe: '${CREATED_EVENT}', value: p.type });
  assertEqual({ name: 'payload event_id is the row\\'s', shouldbe: event.eventId, value: p.event_id });
  assertEqual({ name: 'payload instance', shouldbe: gs.getProperty('instance_name', ''), value: p.instance });
  assertEqual({ name: 'payload sequence', shouldbe: 0, value: p.sequence });
  assertEqual({ name: 'payload occurred_at is ISO 8601 UTC', shouldbe: true, value: /^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$/.test(p.occurred_at) });
  assertEqual({ name: 'payload changed_fields has short_description', shouldbe: true, value: p.changed_fields.indexOf('short_description') >= 0 });
  assertEqual({ name: 'payload incident.sys_id', shouldbe: incidentId, value: p.incident.sys_id });
  assertEqual({ name: 'payload incident.number', shouldbe: incident.getValue('number'), value: p.incident.number });
  assertEqual({ name: 'payload incident.short_description', shouldbe: '${CREATED_INCIDENT}', value: p.incident.short_description });
  assertEqual({ name: 'payload incident.impact', shouldbe: '2', value: p.incident.impact });
  assertEqual({ name: 'payload incident.sys_mod_count', shouldbe: 0, value: p.incident.sys_mod_count });
  assertEqual({ name: 'payload incident.sys_updated_by', shouldbe: '${CREATOR_USER}', value: p.incident.sys_updated_by });
  assertEqual({ name: 'payload has no journal entry', shouldbe: 'undefined', value: typeof p.journal });
  stepResult.setOutputMessage('One ${CREATED_EVENT} event ' + event.eventId + ', queued, payload as documented');
  return true;
${CLOSE}
`;

/** The comment and the work note: one incident.journal event each, after the incident.created one. */
export const CHECK_JOURNAL_EVENTS_SCRIPT = `${OPEN}
  var shortDescription = '${JOURNAL_INCIDENT}';
${FIND_INCIDENT_EVENTS}
  var journal = [];
  for (var i = 0; i < events.length; i++) if (events[i].type === '${JOURNAL_EVENT}') journal.push(events[i].payload.journal);
  assertEqual({ name: 'outbox events (created, comment, work note)', shouldbe: 3, value: events.length });
  assertEqual({ name: '${JOURNAL_EVENT} events', shouldbe: 2, value: journal.length });
  var byElement = {};
  for (var j = 0; j < journal.length; j++) byElement[journal[j].element] = journal[j];
  assertEqual({ name: 'comment text', shouldbe: 'ATF comment for incident.io', value: byElement.comments && byElement.comments.value });
  assertEqual({ name: 'work note text', shouldbe: 'ATF work note for incident.io', value: byElement.work_notes && byElement.work_notes.value });
  assertEqual({ name: 'comment author', shouldbe: '${CREATOR_USER}', value: byElement.comments && byElement.comments.author });
  stepResult.setOutputMessage('${JOURNAL_EVENT} events for the comment and the work note');
  return true;
${CLOSE}
`;

/** After a refused PUT /config: the webhook URL is still the one the test set (empty). */
export const CHECK_WEBHOOK_UNCHANGED_SCRIPT = `${OPEN}
  assertEqual({ name: 'x_incident_io.webhook_url after the refused PUT /config', shouldbe: '', value: gs.getProperty('x_incident_io.webhook_url', '') });
  return true;
${CLOSE}
`;

/**
 * Creates a user with a random password and a basic auth profile holding its credentials, for a
 * "Send REST Request - Inbound" step to call the app's API as that user; with `grantApiRole`, the
 * user gets x_incident_io.api_user. Outputs the profile (table, record_id).
 */
const CREATE_API_CALLER = `  var password = gs.generateGUID() + '-' + gs.generateGUID();
  var user = new GlideRecord('sys_user');
  user.initialize();
  user.setValue('user_name', userName);
  user.setValue('first_name', 'ATF');
  user.setValue('last_name', grantApiRole ? 'incident.io API user' : 'user without the API role');
  user.user_password.setDisplayValue(password);
  var userId = user.insert();
  if (!userId) return false;
  if (grantApiRole) {
    var role = new GlideRecord('sys_user_role');
    if (!role.get('name', '${API_USER_ROLE}')) {
      stepResult.setOutputMessage('Role ${API_USER_ROLE} not found: is the app installed?');
      return false;
    }
    var grant = new GlideRecord('sys_user_has_role');
    grant.initialize();
    grant.setValue('user', userId);
    grant.setValue('role', role.getUniqueValue());
    if (!grant.insert()) return false;
  }
  var profile = new GlideRecord('sys_auth_profile_basic');
  profile.initialize();
  profile.setValue('name', 'ATF ' + userName);
  profile.setValue('username', userName);
  profile.password.setDisplayValue(password);
  outputs.table = 'sys_auth_profile_basic';
  outputs.record_id = profile.insert();
  stepResult.setOutputMessage('User ' + userName + (grantApiRole ? ' with' : ' without') + ' ${API_USER_ROLE}, and its basic auth profile');
  return !!outputs.record_id;`;

/** A caller holding x_incident_io.api_user. */
export const API_USER_CALLER_SCRIPT = `${OPEN}
  var userName = '${API_USER}';
  var grantApiRole = true;
${CREATE_API_CALLER}
${CLOSE}
`;

/** A caller without any role. */
export const NO_ROLE_CALLER_SCRIPT = `${OPEN}
  var userName = '${NO_ROLE_USER}';
  var grantApiRole = false;
${CREATE_API_CALLER}
${CLOSE}
`;
