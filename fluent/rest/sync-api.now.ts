import '@servicenow/sdk/global';
import { RestApi } from '@servicenow/sdk/core';
import { putConfig } from '../../src/server/api/config';
import { getHealth } from '../../src/server/api/health';
import { postResend } from '../../src/server/api/resend';
import { syncApiAcl } from '../security/sync-api-acl.now';

/** /api/x_incident_io/v1/sync/{health,config,resend}: what Connect and doctor call. */
RestApi({
  $id: Now.ID['sync-api'],
  name: 'incident.io sync',
  serviceId: 'sync',
  shortDescription: 'Health, configuration and resend for the incident.io integration.',
  consumes: 'application/json',
  produces: 'application/json',
  enforceAcl: [syncApiAcl],
  versions: [{ $id: Now.ID['sync-api-v1'], version: 1, isDefault: true, active: true }],
  routes: [
    {
      $id: Now.ID['sync-api-health'],
      name: 'health',
      method: 'GET',
      path: '/health',
      version: 1,
      script: getHealth,
      authentication: true,
      authorization: true,
      enforceAcl: [syncApiAcl],
      shortDescription: 'App version, configuration (never the secret), outbox counts, last delivery, and the caller\'s roles and task access.',
    },
    {
      $id: Now.ID['sync-api-config'],
      name: 'config',
      method: 'PUT',
      path: '/config',
      version: 1,
      script: putConfig,
      authentication: true,
      authorization: true,
      enforceAcl: [syncApiAcl],
      shortDescription: 'Set any of webhook_url, signing_secret, integration_user, enabled.',
      requestExample: '{"webhook_url":"https://companion.example.com/webhooks/servicenow/acme","signing_secret":"<base64 of 32 random bytes>","integration_user":"svc_incident_io","enabled":true}',
    },
    {
      $id: Now.ID['sync-api-resend'],
      name: 'resend',
      method: 'POST',
      path: '/resend',
      version: 1,
      script: postResend,
      authentication: true,
      authorization: true,
      enforceAcl: [syncApiAcl],
      shortDescription: 'Requeue the events of one incident ({"incident": sys_id or number}) or all since a time ({"since": …}).',
    },
  ],
});
