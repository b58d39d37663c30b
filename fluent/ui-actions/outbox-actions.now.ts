import '@servicenow/sdk/global';
import { UiAction } from '@servicenow/sdk/core';
import { resendOutboxEvent } from '../../src/server/ui-actions/resend-outbox-event';
import { sendTestEvent } from '../../src/server/ui-actions/send-test-event';
import { appAdminRole } from '../security/roles.now';
import { x_incident_io_outbound_event } from '../tables/outbound-event.now';

/** Server-side UI actions on the outbox; both only write the outbox (the async rule delivers). */

UiAction({
  $id: Now.ID['ui-action-resend-event'],
  table: x_incident_io_outbound_event.name,
  name: 'Resend',
  actionName: 'x_incident_io_resend',
  hint: 'Put this failed or dead event back in the queue, from its first attempt',
  condition: "current.state == 'failed' || current.state == 'dead'",
  showUpdate: true,
  showInsert: false,
  form: { showButton: true, showContextMenu: false, showLink: false, style: 'primary' },
  list: { showContextMenu: true, showListChoice: true, showButton: false, showLink: false, showBannerButton: false, showSaveWithFormButton: false },
  roles: [appAdminRole],
  script: resendOutboxEvent,
  order: 100,
  active: true,
});

UiAction({
  $id: Now.ID['ui-action-send-test-event'],
  table: x_incident_io_outbound_event.name,
  name: 'Send test event',
  actionName: 'x_incident_io_send_test_event',
  hint: 'Send a signed ping to the webhook URL, to prove the receiver verifies it',
  showQuery: false,
  showUpdate: false,
  showInsert: false,
  list: { showBannerButton: true, showButton: false, showContextMenu: false, showLink: false, showListChoice: false, showSaveWithFormButton: false },
  roles: [appAdminRole],
  script: sendTestEvent,
  order: 200,
  active: true,
});
