import '@servicenow/sdk/global';
import { Acl } from '@servicenow/sdk/core';
import { apiUserRole } from './roles.now';

/** Only x_incident_io.api_user (and roles containing it, and admin) may call /api/x_incident_io/v1/sync/*. */
export const syncApiAcl = Acl({
  $id: Now.ID['sync-api-acl-execute'],
  type: 'rest_endpoint',
  name: 'x_incident_io.sync',
  operation: 'execute',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [apiUserRole],
  description: 'Call the incident.io app API (health, config, resend).',
});
