import '@servicenow/sdk/global';
import { BusinessRule } from '@servicenow/sdk/core';
import { queueIncidentChange } from '../../src/server/business-rules/queue-incident-change';
import { queueIncidentDeletion } from '../../src/server/business-rules/queue-incident-deletion';
import { queueJournalEntry } from '../../src/server/business-rules/queue-journal-entry';

// Incident changes become outbox events in the same transaction as the change, so none is lost.
// Changes made by the integration user are skipped in the code (no echo back to incident.io).

BusinessRule({
  $id: Now.ID['br-queue-incident-change'],
  name: 'Queue incident change for incident.io',
  description: 'After an incident is created or a synced field changes, queue an incident.io push (src/server/lib/queue.ts).',
  table: 'incident',
  when: 'after',
  action: ['insert', 'update'],
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
  order: 1000,
  active: true,
  script: queueJournalEntry,
});
