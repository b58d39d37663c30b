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
