import '@servicenow/sdk/global';
import { Record, UiPage } from '@servicenow/sdk/core';
import { incidentIoMenu } from '../navigation/menu.now';

/**
 * incident.io → Status. A UI page whose HTML is static XHTML (no Jelly evaluation) and whose client
 * script reads GET /api/x_incident_io/v1/admin/status with the session's token (g_ck): the data
 * comes from the same server module as GET /health, behind a REST ACL that only app admins pass.
 */
export const STATUS_PAGE_ENDPOINT = 'x_incident_io_status.do';

UiPage({
  $id: Now.ID['ui-page-status'],
  endpoint: STATUS_PAGE_ENDPOINT,
  category: 'general',
  description: 'incident.io integration status: configuration, delivery, outbox, clone warning, test event.',
  html: Now.include('./status-page/status-page.html'),
  clientScript: Now.include('./status-page/status-page.client.js'),
});

Record({
  $id: Now.ID['module-status'],
  table: 'sys_app_module',
  data: {
    title: 'Status',
    application: incidentIoMenu,
    link_type: 'DIRECT',
    query: STATUS_PAGE_ENDPOINT,
    hint: 'Is the integration delivering? Configuration, outbox, clone warning, and a test event',
    roles: ['x_incident_io.admin'],
    active: true,
    order: 50,
  },
});
