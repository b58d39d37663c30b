import '@servicenow/sdk/global';
import { Test } from '@servicenow/sdk/core';
import {
  CHECK_CREATED_EVENT_SCRIPT,
  CHECK_JOURNAL_EVENTS_SCRIPT,
  CREATED_INCIDENT,
  CREATOR_USER,
  HOLD_PUSHES_SCRIPT,
  INTEGRATION_INCIDENT,
  INTEGRATION_USER,
  JOURNAL_INCIDENT,
  UNSYNCED_INCIDENT,
} from './scripts';

// ATF tests an admin runs on their own instance after installing the app (README, "Automated Test
// Framework tests"). Each starts by turning pushes on with no webhook URL, so the business rules
// queue events and nothing is sent; ATF rolls back everything a test wrote when it ends.

Test(
  {
    $id: Now.ID['atf-created-incident-queues-one-event'],
    name: 'incident.io: an incident created by a user queues exactly one incident.created event',
    description:
      'As a test user, inserts an incident and asserts that the business rule "Queue incident change for incident.io" queued exactly one x_incident_io_outbound_event row: incident.created, still queued (nothing sent), with the payload README "The push payload" documents.',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    atf.server.runServerSideScript({ $id: Now.ID['atf-created-hold-pushes'], script: HOLD_PUSHES_SCRIPT });
    atf.server.createUser({
      $id: Now.ID['atf-created-user'],
      firstName: 'ATF',
      lastName: 'incident creator',
      fieldValues: { user_name: CREATOR_USER },
      groups: [],
      roles: [],
      impersonate: true,
    });
    const incident = atf.server.recordInsert({
      $id: Now.ID['atf-created-insert-incident'],
      table: 'incident',
      fieldValues: { short_description: CREATED_INCIDENT, impact: '2', urgency: '2' },
      enforceSecurity: false,
    });
    atf.server.recordQuery({
      $id: Now.ID['atf-created-event-queued'],
      table: 'x_incident_io_outbound_event',
      fieldValues: `incident_sys_id=${incident.record_id}^event_type=incident.created^state=queued`,
      assert: 'records_match_query',
      enforceSecurity: false,
    });
    atf.server.runServerSideScript({ $id: Now.ID['atf-created-check-payload'], script: CHECK_CREATED_EVENT_SCRIPT });
  },
);

Test(
  {
    $id: Now.ID['atf-integration-user-queues-nothing'],
    name: 'incident.io: changes by the integration user queue nothing',
    description:
      'Impersonates the integration user (x_incident_io.integration_user), inserts and updates an incident, and asserts no x_incident_io_outbound_event row exists for it: incident.io\'s own writes are never pushed back (no echo).',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    atf.server.runServerSideScript({ $id: Now.ID['atf-integration-hold-pushes'], script: HOLD_PUSHES_SCRIPT });
    atf.server.createUser({
      $id: Now.ID['atf-integration-user'],
      firstName: 'ATF',
      lastName: 'integration user',
      fieldValues: { user_name: INTEGRATION_USER },
      groups: [],
      roles: [],
      impersonate: true,
    });
    const incident = atf.server.recordInsert({
      $id: Now.ID['atf-integration-insert-incident'],
      table: 'incident',
      fieldValues: { short_description: INTEGRATION_INCIDENT, impact: '3', urgency: '3' },
      enforceSecurity: false,
    });
    atf.server.recordUpdate({
      $id: Now.ID['atf-integration-update-incident'],
      table: 'incident',
      recordId: incident.record_id,
      fieldValues: { impact: '1', description: 'Changed by incident.io' },
      enforceSecurity: false,
    });
    atf.server.recordQuery({
      $id: Now.ID['atf-integration-no-event'],
      table: 'x_incident_io_outbound_event',
      fieldValues: `incident_sys_id=${incident.record_id}`,
      assert: 'no_records_match_query',
      enforceSecurity: false,
    });
  },
);

Test(
  {
    $id: Now.ID['atf-journal-queues-events'],
    name: 'incident.io: a comment and a work note queue incident.journal events',
    description:
      'As a test user, adds a comment and a work note to a new incident and asserts the business rule "Queue incident journal entry for incident.io" queued one incident.journal event for each, carrying the element, the text and the author.',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    atf.server.runServerSideScript({ $id: Now.ID['atf-journal-hold-pushes'], script: HOLD_PUSHES_SCRIPT });
    atf.server.createUser({
      $id: Now.ID['atf-journal-user'],
      firstName: 'ATF',
      lastName: 'incident creator',
      fieldValues: { user_name: CREATOR_USER },
      groups: [],
      roles: [],
      impersonate: true,
    });
    const incident = atf.server.recordInsert({
      $id: Now.ID['atf-journal-insert-incident'],
      table: 'incident',
      fieldValues: { short_description: JOURNAL_INCIDENT, impact: '2', urgency: '2' },
      enforceSecurity: false,
    });
    atf.server.recordUpdate({
      $id: Now.ID['atf-journal-add-comment'],
      table: 'incident',
      recordId: incident.record_id,
      fieldValues: { comments: 'ATF comment for incident.io' },
      enforceSecurity: false,
    });
    atf.server.recordUpdate({
      $id: Now.ID['atf-journal-add-work-note'],
      table: 'incident',
      recordId: incident.record_id,
      fieldValues: { work_notes: 'ATF work note for incident.io' },
      enforceSecurity: false,
    });
    atf.server.recordQuery({
      $id: Now.ID['atf-journal-event-queued'],
      table: 'x_incident_io_outbound_event',
      fieldValues: `incident_sys_id=${incident.record_id}^event_type=incident.journal`,
      assert: 'records_match_query',
      enforceSecurity: false,
    });
    atf.server.runServerSideScript({ $id: Now.ID['atf-journal-check-events'], script: CHECK_JOURNAL_EVENTS_SCRIPT });
  },
);

Test(
  {
    $id: Now.ID['atf-unsynced-field-queues-nothing'],
    name: 'incident.io: a change to a field that is not synced queues nothing',
    description:
      'As a test user, creates an incident (one incident.created event), then changes only its category, which is not a synced field, and asserts no incident.updated event was queued: the rule\'s filter condition keeps it to synced fields.',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    atf.server.runServerSideScript({ $id: Now.ID['atf-unsynced-hold-pushes'], script: HOLD_PUSHES_SCRIPT });
    atf.server.createUser({
      $id: Now.ID['atf-unsynced-user'],
      firstName: 'ATF',
      lastName: 'incident creator',
      fieldValues: { user_name: CREATOR_USER },
      groups: [],
      roles: [],
      impersonate: true,
    });
    const incident = atf.server.recordInsert({
      $id: Now.ID['atf-unsynced-insert-incident'],
      table: 'incident',
      fieldValues: { short_description: UNSYNCED_INCIDENT, impact: '2', urgency: '2' },
      enforceSecurity: false,
    });
    atf.server.recordQuery({
      $id: Now.ID['atf-unsynced-created-queued'],
      table: 'x_incident_io_outbound_event',
      fieldValues: `incident_sys_id=${incident.record_id}^event_type=incident.created`,
      assert: 'records_match_query',
      enforceSecurity: false,
    });
    atf.server.recordUpdate({
      $id: Now.ID['atf-unsynced-change-category'],
      table: 'incident',
      recordId: incident.record_id,
      fieldValues: { category: 'inquiry' },
      enforceSecurity: false,
    });
    atf.server.recordValidation({
      $id: Now.ID['atf-unsynced-category-saved'],
      table: 'incident',
      recordId: incident.record_id,
      fieldValues: 'category=inquiry',
      assert: 'record_validated',
      enforceSecurity: false,
    });
    atf.server.recordQuery({
      $id: Now.ID['atf-unsynced-no-update-event'],
      table: 'x_incident_io_outbound_event',
      fieldValues: `incident_sys_id=${incident.record_id}^event_type=incident.updated`,
      assert: 'no_records_match_query',
      enforceSecurity: false,
    });
  },
);
