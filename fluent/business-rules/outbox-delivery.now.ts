import '@servicenow/sdk/global';
import { BusinessRule } from '@servicenow/sdk/core';
import { deliverOutboxEvent } from '../../src/server/business-rules/deliver-outbox-event';

/** Real time: deliver each queued event at once, on the scheduler, off the user's transaction. */
BusinessRule({
  $id: Now.ID['br-deliver-outbox-event'],
  name: 'Deliver queued event to incident.io',
  description: 'Sends a newly queued (or requeued) outbox event to incident.io, in order per incident (src/server/lib/delivery.ts).',
  table: 'x_incident_io_outbound_event',
  when: 'async',
  action: ['insert', 'update'],
  filterCondition: 'state=queued',
  order: 100,
  active: true,
  script: deliverOutboxEvent,
});
