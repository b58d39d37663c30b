import '@servicenow/sdk/global';
import { Acl } from '@servicenow/sdk/core';
import { appAdminRole } from './roles.now';

/** Only x_incident_io.admin (and admin) may call /api/x_incident_io/v1/admin/*: the Status page's data and test event. */
export const adminApiAcl = Acl({
  $id: Now.ID['admin-api-acl-execute'],
  type: 'rest_endpoint',
  name: 'x_incident_io.admin_api',
  operation: 'execute',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole],
  description: 'Read the incident.io Status page and send a test event.',
});
