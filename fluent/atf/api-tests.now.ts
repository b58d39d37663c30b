import '@servicenow/sdk/global';
import { Test } from '@servicenow/sdk/core';
import { API_USER_CALLER_SCRIPT, CHECK_WEBHOOK_UNCHANGED_SCRIPT, HOLD_PUSHES_SCRIPT, NO_ROLE_CALLER_SCRIPT } from './scripts';

// ATF tests of the app's scripted REST API (/api/x_incident_io/v1/sync). Each creates its caller
// (a user with a random password and a basic auth profile for it); ATF rolls both back.

// Paths and headers are written out in each step: the SDK reads a step's inputs statically.

Test(
  {
    $id: Now.ID['atf-config-refuses-plain-http'],
    name: 'incident.io: PUT /config refuses a plain-http webhook URL to a non-loopback host',
    description:
      'Calls PUT /api/x_incident_io/v1/sync/config as a user with x_incident_io.api_user with webhook_url http://incident-io.example.com/…, asserts 400 naming the non-loopback http URL, and that x_incident_io.webhook_url did not change.',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    atf.server.runServerSideScript({ $id: Now.ID['atf-config-hold-pushes'], script: HOLD_PUSHES_SCRIPT });
    const caller = atf.server.runServerSideScript({ $id: Now.ID['atf-config-caller'], script: API_USER_CALLER_SCRIPT });
    atf.rest.sendRestRequest({
      $id: Now.ID['atf-config-put-http-url'],
      path: '/api/x_incident_io/v1/sync/config',
      method: 'put',
      auth: 'basic',
      basicAuthentication: caller.record_id,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '{"webhook_url":"http://incident-io.example.com/webhooks/servicenow"}',
    });
    atf.rest.assertStatusCode({ $id: Now.ID['atf-config-status-400'], operation: 'equals', statusCode: 400 });
    atf.rest.assertResponsePayload({ $id: Now.ID['atf-config-names-problem'], operation: 'contains', responseBody: 'uses http:// with a non-loopback host' });
    atf.server.runServerSideScript({ $id: Now.ID['atf-config-url-unchanged'], script: CHECK_WEBHOOK_UNCHANGED_SCRIPT });
  },
);

Test(
  {
    $id: Now.ID['atf-health-answers-api-user'],
    name: 'incident.io: GET /health answers a user with x_incident_io.api_user',
    description:
      'Calls GET /api/x_incident_io/v1/sync/health as a user holding x_incident_io.api_user and asserts 200 with the app\'s scope in the answer: the REST endpoint ACL x_incident_io.sync lets the role in.',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    const caller = atf.server.runServerSideScript({ $id: Now.ID['atf-health-api-caller'], script: API_USER_CALLER_SCRIPT });
    atf.rest.sendRestRequest({
      $id: Now.ID['atf-health-get-as-api-user'],
      path: '/api/x_incident_io/v1/sync/health',
      method: 'get',
      auth: 'basic',
      basicAuthentication: caller.record_id,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '',
    });
    atf.rest.assertStatusCode({ $id: Now.ID['atf-health-status-200'], operation: 'equals', statusCode: 200 });
    atf.rest.assertResponsePayload({ $id: Now.ID['atf-health-names-scope'], operation: 'contains', responseBody: '"scope":"x_incident_io"' });
  },
);

Test(
  {
    $id: Now.ID['atf-health-refuses-without-role'],
    name: 'incident.io: GET /health refuses a user without x_incident_io.api_user',
    description:
      'Calls GET /api/x_incident_io/v1/sync/health as an authenticated user with no roles and asserts 403 without the health report: the REST endpoint ACL x_incident_io.sync keeps everyone else out.',
    active: true,
    failOnServerError: true,
  },
  (atf) => {
    const caller = atf.server.runServerSideScript({ $id: Now.ID['atf-health-no-role-caller'], script: NO_ROLE_CALLER_SCRIPT });
    atf.rest.sendRestRequest({
      $id: Now.ID['atf-health-get-without-role'],
      path: '/api/x_incident_io/v1/sync/health',
      method: 'get',
      auth: 'basic',
      basicAuthentication: caller.record_id,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: '',
    });
    atf.rest.assertStatusCode({ $id: Now.ID['atf-health-status-403'], operation: 'equals', statusCode: 403 });
    atf.rest.assertResponsePayload({ $id: Now.ID['atf-health-no-report'], operation: 'does_not_contain', responseBody: '"outbox"' });
  },
);
