import '@servicenow/sdk/global';
import { ApplicationMenu, Record } from '@servicenow/sdk/core';
import { appAdminRole } from '../security/roles.now';

// A module's `roles` field is a list of role names (sys_app_module stores them as text), not Role records.

export const incidentIoMenu = ApplicationMenu({
  $id: Now.ID['menu-incident-io'],
  title: 'incident.io',
  hint: 'The incident.io integration: pushes to incident.io and their settings',
  description: 'Outbox of incident changes pushed to incident.io, and the app properties.',
  roles: [appAdminRole],
  active: true,
});

Record({
  $id: Now.ID['module-outbox-all'],
  table: 'sys_app_module',
  data: {
    title: 'Outbound events',
    application: incidentIoMenu,
    link_type: 'LIST',
    name: 'x_incident_io_outbound_event',
    hint: 'Every queued, delivered, failed and dead push',
    roles: ['x_incident_io.admin'],
    active: true,
    order: 100,
  },
});

Record({
  $id: Now.ID['module-outbox-undelivered'],
  table: 'sys_app_module',
  data: {
    title: 'Undelivered events',
    application: incidentIoMenu,
    link_type: 'FILTER',
    name: 'x_incident_io_outbound_event',
    filter: 'state!=delivered^ORDERBYorder_key',
    hint: 'Pushes waiting, retrying or dead',
    roles: ['x_incident_io.admin'],
    active: true,
    order: 200,
  },
});

Record({
  $id: Now.ID['module-properties'],
  table: 'sys_app_module',
  data: {
    title: 'Properties',
    application: incidentIoMenu,
    link_type: 'FILTER',
    name: 'sys_properties',
    filter: 'nameSTARTSWITHx_incident_io.',
    hint: 'Webhook URL, signing secret, integration user, retries and retention',
    roles: ['x_incident_io.admin'],
    active: true,
    order: 300,
  },
});
