import '@servicenow/sdk/global';
import { RestApi } from '@servicenow/sdk/core';
import { getStatus, postTestEvent } from '../../src/server/api/status';
import { adminApiAcl } from '../security/admin-api-acl.now';

/** /api/x_incident_io/v1/admin/{status,test_event}: what the Status page (fluent/ui/status-page.now.ts) reads and presses. */
RestApi({
  $id: Now.ID['admin-api'],
  name: 'incident.io admin',
  serviceId: 'admin',
  shortDescription: 'The incident.io Status page: status for app admins, and the test event.',
  consumes: 'application/json',
  produces: 'application/json',
  enforceAcl: [adminApiAcl],
  versions: [{ $id: Now.ID['admin-api-v1'], version: 1, isDefault: true, active: true }],
  routes: [
    {
      $id: Now.ID['admin-api-status'],
      name: 'status',
      method: 'GET',
      path: '/status',
      version: 1,
      script: getStatus,
      authentication: true,
      authorization: true,
      enforceAcl: [adminApiAcl],
      shortDescription: 'Configuration (never the secret), whether delivering, outbox counts, oldest undelivered event, last delivery, clone warning, last test event.',
    },
    {
      $id: Now.ID['admin-api-test-event'],
      name: 'test_event',
      method: 'POST',
      path: '/test_event',
      version: 1,
      script: postTestEvent,
      authentication: true,
      authorization: true,
      enforceAcl: [adminApiAcl],
      shortDescription: 'Queue a signed ping event to the webhook URL (202), or say why not (409).',
    },
  ],
});
