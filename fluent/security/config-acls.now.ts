import '@servicenow/sdk/global';
import { Acl } from '@servicenow/sdk/core';
import { appAdminRole } from './roles.now';

// The configuration record holds the signing secret: only x_incident_io.admin may read or change it
// (admin does not override). The app's own scripts use plain GlideRecord, which ACLs do not stop;
// the service account changes it only through PUT /sync/config.

Acl({
  $id: Now.ID['config-acl-read'],
  type: 'record',
  table: 'x_incident_io_config',
  operation: 'read',
  decisionType: 'allow',
  adminOverrides: false,
  active: true,
  roles: [appAdminRole],
  description: 'Read the incident.io configuration record (its signing secret stays encrypted).',
});

Acl({
  $id: Now.ID['config-acl-create'],
  type: 'record',
  table: 'x_incident_io_config',
  operation: 'create',
  decisionType: 'allow',
  adminOverrides: false,
  active: true,
  roles: [appAdminRole],
  description: 'Create the incident.io configuration record (the app creates it when a secret is first set).',
});

Acl({
  $id: Now.ID['config-acl-write'],
  type: 'record',
  table: 'x_incident_io_config',
  operation: 'write',
  decisionType: 'allow',
  adminOverrides: false,
  active: true,
  roles: [appAdminRole],
  description: 'Change the incident.io configuration record, e.g. replace the signing secret.',
});

Acl({
  $id: Now.ID['config-acl-delete'],
  type: 'record',
  table: 'x_incident_io_config',
  operation: 'delete',
  decisionType: 'allow',
  adminOverrides: false,
  active: true,
  roles: [appAdminRole],
  description: 'Delete the incident.io configuration record (pushes stop until a new secret is set).',
});
