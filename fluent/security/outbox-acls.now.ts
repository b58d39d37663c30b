import '@servicenow/sdk/global';
import { Acl } from '@servicenow/sdk/core';
import { apiUserRole, appAdminRole } from './roles.now';

// The outbox: app admins manage it; the service account may read it (Connect's doctor reports dead events).

Acl({
  $id: Now.ID['outbox-acl-read'],
  type: 'record',
  table: 'x_incident_io_outbound_event',
  operation: 'read',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole, apiUserRole],
  description: 'Read the incident.io outbox.',
});

Acl({
  $id: Now.ID['outbox-acl-create'],
  type: 'record',
  table: 'x_incident_io_outbound_event',
  operation: 'create',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole],
  description: 'Create outbox events by hand (business rules create them as the system).',
});

Acl({
  $id: Now.ID['outbox-acl-write'],
  type: 'record',
  table: 'x_incident_io_outbound_event',
  operation: 'write',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole],
  description: 'Change outbox events, e.g. put a dead event back in the queue.',
});

Acl({
  $id: Now.ID['outbox-acl-delete'],
  type: 'record',
  table: 'x_incident_io_outbound_event',
  operation: 'delete',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole],
  description: 'Delete outbox events.',
});
