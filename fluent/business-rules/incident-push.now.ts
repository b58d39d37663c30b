import '@servicenow/sdk/global';
import { BusinessRule } from '@servicenow/sdk/core';
import { queueIncidentChange } from '../../src/server/business-rules/queue-incident-change';
import { queueIncidentDeletion } from '../../src/server/business-rules/queue-incident-deletion';
import { queueJournalEntry } from '../../src/server/business-rules/queue-journal-entry';
import { queueAttachment } from '../../src/server/business-rules/queue-attachment';

// Incident changes become outbox events in the same transaction as the change, so none is lost.
// Each rule filters in its record before any code runs: the condition skips them all while pushes
// are disabled (x_incident_io.enabled, read as readConfig does), and the filter conditions keep the
// change rule to changes of a synced field (SYNCED_FIELDS; on insert every field set counts as
// changed) and the journal rule to comments and work notes of incidents, never journal rows of other
// tables. Changes made by the integration user and a clone are skipped in the code (src/server/lib/queue.ts).
// The build test keeps these strings equal to src/server/lib/constants.ts.
const PUSHES_ENABLED = "gs.getProperty('x_incident_io.enabled') == 'true' || gs.getProperty('x_incident_io.enabled') == '1'";

BusinessRule({
  $id: Now.ID['br-queue-incident-change'],
  name: 'Queue incident change for incident.io',
  description: 'After an incident is created or a synced field changes, queue an incident.io push (src/server/lib/queue.ts).',
  table: 'incident',
  when: 'after',
  action: ['insert', 'update'],
  filterCondition:
    'short_descriptionVALCHANGES^ORdescriptionVALCHANGES^ORstateVALCHANGES^ORpriorityVALCHANGES^ORimpactVALCHANGES^ORurgencyVALCHANGES^ORassignment_groupVALCHANGES^ORassigned_toVALCHANGES^ORcmdb_ciVALCHANGES^ORbusiness_serviceVALCHANGES^ORcaller_idVALCHANGES^ORclose_codeVALCHANGES^ORclose_notesVALCHANGES',
  condition: PUSHES_ENABLED,
  order: 1000,
  active: true,
  script: queueIncidentChange,
});

BusinessRule({
  $id: Now.ID['br-queue-incident-deletion'],
  name: 'Queue incident deletion for incident.io',
  description: 'After an incident is deleted, queue an incident.deleted push.',
  table: 'incident',
  when: 'after',
  action: ['delete'],
  condition: PUSHES_ENABLED,
  order: 1000,
  active: true,
  script: queueIncidentDeletion,
});

BusinessRule({
  $id: Now.ID['br-queue-journal-entry'],
  name: 'Queue incident journal entry for incident.io',
  description: 'After a comment or work note is added to an incident, queue an incident.journal push.',
  table: 'sys_journal_field',
  when: 'after',
  action: ['insert'],
  filterCondition: 'name=incident^elementINcomments,work_notes',
  condition: PUSHES_ENABLED,
  order: 1000,
  active: true,
  script: queueJournalEntry,
});

BusinessRule({
  $id: Now.ID['br-queue-incident-attachment'],
  name: 'Queue incident attachment for incident.io',
  description: 'After a file is attached to an incident, queue an incident.attachment push (metadata only: the receiver fetches the bytes).',
  table: 'sys_attachment',
  when: 'after',
  action: ['insert'],
  filterCondition: 'table_name=incident',
  condition: PUSHES_ENABLED,
  order: 1000,
  active: true,
  script: queueAttachment,
});

// Follow-ups kept in another table than incident (the companion's followUps.table, such as problem).
// A rule is bound to one table: these are on task, which every follow-up table extends, so they run
// for it wherever it is (task rules run for the tables extending task). The condition keeps them to
// the configured table (x_incident_io.follow_up_table, set by the companion through PUT /config;
// incident is left to the rules above), the filter to records incident.io created (correlation_display)
// and to the fields a follow-up takes back (title, description, state). The filter also leaves out
// incidents, so an incident's change (incident.io's own incidents have that correlation) runs no
// condition script of these rules in the user's transaction. The scripts are the incident rules'.
BusinessRule({
  $id: Now.ID['br-queue-follow-up-change'],
  name: 'Queue follow-up change for incident.io',
  description: 'After a follow-up record in the configured follow-up table (x_incident_io.follow_up_table) changes its title, description or state, queue an incident.io push.',
  table: 'task',
  when: 'after',
  action: ['insert', 'update'],
  filterCondition: 'sys_class_name!=incident^correlation_display=incident.io^short_descriptionVALCHANGES^ORdescriptionVALCHANGES^ORstateVALCHANGES',
  condition:
    "(gs.getProperty('x_incident_io.enabled') == 'true' || gs.getProperty('x_incident_io.enabled') == '1') && current.getValue('sys_class_name') != 'incident' && current.getValue('sys_class_name') == gs.getProperty('x_incident_io.follow_up_table')",
  order: 1000,
  active: true,
  script: queueIncidentChange,
});

BusinessRule({
  $id: Now.ID['br-queue-follow-up-deletion'],
  name: 'Queue follow-up deletion for incident.io',
  description: 'After a follow-up record in the configured follow-up table (x_incident_io.follow_up_table) is deleted, queue an incident.deleted push.',
  table: 'task',
  when: 'after',
  action: ['delete'],
  filterCondition: 'sys_class_name!=incident^correlation_display=incident.io',
  condition:
    "(gs.getProperty('x_incident_io.enabled') == 'true' || gs.getProperty('x_incident_io.enabled') == '1') && current.getValue('sys_class_name') != 'incident' && current.getValue('sys_class_name') == gs.getProperty('x_incident_io.follow_up_table')",
  order: 1000,
  active: true,
  script: queueIncidentDeletion,
});
