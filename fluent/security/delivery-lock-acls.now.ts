import '@servicenow/sdk/global';
import { Acl } from '@servicenow/sdk/core';
import { appAdminRole } from './roles.now';

// The delivery lock: the app's scripts take and let go of it with plain GlideRecord, which ACLs do not
// stop. App admins may see who holds it and, should a worker die holding it, delete it rather than
// wait for the next worker to take it over.

Acl({
  $id: Now.ID['delivery-lock-acl-read'],
  type: 'record',
  table: 'x_incident_io_delivery_lock',
  operation: 'read',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole],
  description: 'See the incident.io delivery lock (which worker is sending pushes, since when).',
});

Acl({
  $id: Now.ID['delivery-lock-acl-delete'],
  type: 'record',
  table: 'x_incident_io_delivery_lock',
  operation: 'delete',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [appAdminRole],
  description: 'Delete the incident.io delivery lock of a worker that died (the next worker would take it over after the stale time).',
});
