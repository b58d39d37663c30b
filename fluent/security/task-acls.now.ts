import '@servicenow/sdk/global';
import { Acl } from '@servicenow/sdk/core';
import { apiUserRole } from './roles.now';

// Setup guide step 4: record ACLs on task (they apply to incident, which extends task) that let
// incident.io's service account create, read and write incidents.

Acl({
  $id: Now.ID['task-acl-create'],
  type: 'record',
  table: 'task',
  operation: 'create',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [apiUserRole],
  description: 'incident.io service account may create task records (incidents declared in incident.io).',
});

Acl({
  $id: Now.ID['task-acl-read'],
  type: 'record',
  table: 'task',
  operation: 'read',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [apiUserRole],
  description: 'incident.io service account may read task records.',
});

Acl({
  $id: Now.ID['task-acl-write'],
  type: 'record',
  table: 'task',
  operation: 'write',
  decisionType: 'allow',
  adminOverrides: true,
  active: true,
  roles: [apiUserRole],
  description: 'incident.io service account may update task records (changes made in incident.io).',
});
