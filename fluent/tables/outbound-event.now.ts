import '@servicenow/sdk/global';
import { ChoiceColumn, DateTimeColumn, IntegerColumn, ReferenceColumn, StringColumn, Table } from '@servicenow/sdk/core';

/**
 * The outbox: one row per incident change to push to incident.io. Business rules insert rows in the
 * user's transaction; an async business rule and a scheduled job deliver them (src/server/lib/delivery.ts).
 */
export const x_incident_io_outbound_event = Table({
  name: 'x_incident_io_outbound_event',
  label: 'incident.io Outbound Event',
  display: 'event_id',
  allowWebServiceAccess: true,
  actions: ['read'],
  accessibleFrom: 'package_private',
  index: [
    { name: 'x_incident_io_outbound_event_incident_order', unique: false, element: ['incident_sys_id', 'order_key'] },
    { name: 'x_incident_io_outbound_event_state_due', unique: false, element: ['state', 'next_attempt_at'] },
    { name: 'x_incident_io_outbound_event_event_id', unique: true, element: 'event_id' },
  ],
  schema: {
    event_id: StringColumn({ label: 'Event ID', maxLength: 32, mandatory: true, readOnly: true }),
    event_type: ChoiceColumn({
      label: 'Event type',
      maxLength: 40,
      mandatory: true,
      choices: {
        'incident.created': { label: 'Incident created', sequence: 1 },
        'incident.updated': { label: 'Incident updated', sequence: 2 },
        'incident.journal': { label: 'Comment or work note', sequence: 3 },
        'incident.deleted': { label: 'Incident deleted', sequence: 4 },
        ping: { label: 'Test event (ping)', sequence: 5 },
      },
    }),
    incident: ReferenceColumn({ label: 'Incident', referenceTable: 'incident', cascadeRule: 'clear' }),
    incident_sys_id: StringColumn({ label: 'Incident sys_id', maxLength: 32, mandatory: true }),
    incident_number: StringColumn({ label: 'Incident number', maxLength: 40 }),
    sequence: IntegerColumn({ label: 'Sequence', mandatory: true }),
    order_key: StringColumn({ label: 'Delivery order key', maxLength: 40, mandatory: true }),
    state: ChoiceColumn({
      label: 'State',
      maxLength: 20,
      default: 'queued',
      mandatory: true,
      choices: {
        queued: { label: 'Queued', sequence: 1 },
        sending: { label: 'Sending', sequence: 2 },
        delivered: { label: 'Delivered', sequence: 3 },
        failed: { label: 'Failed (will retry)', sequence: 4 },
        dead: { label: 'Dead (gave up)', sequence: 5 },
      },
    }),
    attempts: IntegerColumn({ label: 'Attempts', default: 0 }),
    next_attempt_at: DateTimeColumn({ label: 'Next attempt at' }),
    last_attempt_at: DateTimeColumn({ label: 'Last attempt at' }),
    last_http_status: IntegerColumn({ label: 'Last HTTP status' }),
    last_error: StringColumn({ label: 'Last error', maxLength: 1000 }),
    delivered_at: DateTimeColumn({ label: 'Delivered at' }),
    payload: StringColumn({ label: 'Payload (JSON)', maxLength: 65000, mandatory: true }),
  },
});
