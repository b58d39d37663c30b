import '@servicenow/sdk/global';
import { Role } from '@servicenow/sdk/core';
import { API_USER_ROLE } from '../../src/server/contract/roles';

/** Given to incident.io's service account (setup guide step 3). */
export const apiUserRole = Role({
  name: API_USER_ROLE,
  description:
    'incident.io service account: calls the incident.io app API (health, configuration, resend) and, through the task ACLs, creates, reads and writes incidents.',
});

/** For the people who configure the app; contains api_user. */
export const appAdminRole = Role({
  name: 'x_incident_io.admin',
  description: 'Configures the incident.io app: its properties and its outbox of pushes.',
  containsRoles: [apiUserRole],
});
