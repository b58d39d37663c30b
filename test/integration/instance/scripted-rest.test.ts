import { seedEdits } from '../../../src/instance';
import { APP_API, configurePush, holdRetryJob, startAppInstance } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';
import { waitFor } from '../../helpers/wait-for';

/** The app's scripted REST API served by the local instance at its real URIs, with the platform's security. */

const EXTERNAL = { user: 'portal.customer', password: 'portal-password' };
const DEFINITION = 'e0da2456ad6249b4982b8d0a17deb2c0';

let sn: TestInstance;

beforeAll(async () => {
  sn = await startAppInstance({
    seed: (s) => {
      s.roles.push({ name: 'snc_external' });
      // Holds the API role, but is an external (customer) user: the API requires snc_internal.
      return seedEdits.addUser(s, { user_name: EXTERNAL.user, password: EXTERNAL.password, roles: ['snc_external', 'x_incident_io.api_user'] });
    },
  });
  await holdRetryJob(sn);
});

afterAll(async () => {
  await sn?.close();
});

type ErrorBody = { error: { message: string; detail: string | null }; status: string };

describe('security of the app API', () => {
  it('answers the service account, with or without the version in the path', async () => {
    for (const path of [`${APP_API}/health`, '/api/x_incident_io/sync/health']) {
      const res = await sn.request('GET', path, { auth: USERS.svc });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.json).toMatchObject({ result: { app: { scope: 'x_incident_io', version: '1.1.0' }, caller: { user_name: USERS.svc.user } } });
    }
  });

  it('refuses a user without the API role with 403 and the platform error shape', async () => {
    const res = await sn.request('GET', `${APP_API}/health`, { auth: USERS.itil });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: { message: 'User Not Authorized', detail: 'Failed API level ACL Validation' }, status: 'failure' });
  });

  it('refuses an external user even with the API role (the operation requires snc_internal)', async () => {
    const res = await sn.request('GET', `${APP_API}/health`, { auth: EXTERNAL });
    expect(res.status).toBe(403);
    expect((res.json as ErrorBody).error.message).toBe('User Not Authorized');
  });

  it('lets admin in (the ACL has admin overrides)', async () => {
    const res = await sn.request('GET', `${APP_API}/health`);
    expect(res.status).toBe(200);
    expect((res.json as { result: { caller: { roles: Record<string, boolean> } } }).result.caller.roles.admin).toBe(true);
  });

  it('answers 401 without credentials, as the Table API does', async () => {
    const res = await sn.request('GET', `${APP_API}/health`, { auth: null });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' });
  });

  it('answers 400 for a path that is no resource, and 405 for a method the resource does not have', async () => {
    const unknown = await sn.request('GET', `${APP_API}/nothing-here`, { auth: USERS.svc });
    expect(unknown.status).toBe(400);
    expect((unknown.json as ErrorBody).error.message).toBe('Requested URI does not represent any resource');
    const wrongMethod = await sn.request('DELETE', `${APP_API}/health`, { auth: USERS.svc });
    expect(wrongMethod.status).toBe(405);
  });
});

describe('the app API operations', () => {
  it('GET /health reports the real outbox counts and the caller’s access', async () => {
    // Pushes to a port nothing listens on: the change fails and stays in the outbox.
    await configurePush(sn, 'http://127.0.0.1:9/webhooks/servicenow/nobody');
    const incident = (await sn.list('incident', { sysparm_query: 'number=INC0010001', sysparm_fields: 'sys_id' })).result[0].sys_id as string;
    await sn.request('PATCH', `/api/now/table/incident/${incident}`, { auth: USERS.itil, body: { short_description: 'health check change' } });
    await waitFor(async () => (await sn.list('x_incident_io_outbound_event', { sysparm_query: 'state=failed' })).result.length > 0, { message: 'a failed event' });

    const res = await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc });
    expect(res.status).toBe(200);
    const health = (res.json as { result: { outbox: Record<string, number>; config: Record<string, unknown>; last_delivery: Record<string, unknown>; caller: Record<string, unknown> } }).result;
    for (const state of ['queued', 'sending', 'delivered', 'failed', 'dead']) {
      const counted = await sn.list('x_incident_io_outbound_event', { sysparm_query: `state=${state}`, sysparm_limit: 1 });
      expect(health.outbox[state]).toBe(Number(counted.headers.get('x-total-count')));
    }
    expect(health.outbox.failed).toBeGreaterThanOrEqual(1);
    expect(health.config).toMatchObject({ enabled: true, signing_secret_set: true, integration_user: USERS.svc.user, delivering: true });
    expect(health.config).not.toHaveProperty('signing_secret');
    expect(health.last_delivery).toMatchObject({ state: 'failed', http_status: 0 });
    expect(health.caller).toEqual({
      user_name: USERS.svc.user,
      roles: { 'x_incident_io.api_user': true, cmdb_read: true, sn_cmdb_user: true, incident_manager: true, admin: false },
      task_access: { create: true, read: true, write: true },
    });
  });

  it('PUT /config refuses bad settings with 400 and every problem in the detail', async () => {
    const res = await sn.request('PUT', `${APP_API}/config`, {
      auth: USERS.svc,
      body: { webhook_url: 'ftp://example.com/hook', signing_secret: 'too-short', integration_user: 'nobody.at.all', colour: 'blue' },
    });
    expect(res.status).toBe(400);
    const body = res.json as ErrorBody;
    expect(body.status).toBe('failure');
    expect(body.error.message).toBe('Invalid incident.io configuration');
    expect(body.error.detail).toMatch(/webhook_url/);
    expect(body.error.detail).toMatch(/signing_secret/);
    expect(body.error.detail).toMatch(/nobody\.at\.all/);
    expect(body.error.detail).toMatch(/colour/);
  });

  it('PUT /config stores the secret encrypted (password2) and never returns it', async () => {
    const { secret } = await configurePush(sn, 'https://hooks.example.com/webhooks/servicenow/acme');
    const stored = await sn.list('sys_properties', { sysparm_query: 'name=x_incident_io.signing_secret', sysparm_fields: 'value,type' });
    expect(stored.result[0].type).toBe('password2');
    expect(stored.result[0].value).not.toBe(secret);
    expect(JSON.stringify(stored.result)).not.toContain(secret);
  });

  it('POST /resend requeues an incident’s events by number, and refuses a request without a target', async () => {
    const before = await sn.list('x_incident_io_outbound_event', { sysparm_query: 'incident_number=INC0010001^state!=queued', sysparm_fields: 'sys_id' });
    expect(before.result.length).toBeGreaterThan(0);
    // Nothing can be sent from here on: requeued events stay queued.
    await configurePush(sn, 'http://127.0.0.1:9/webhooks/servicenow/nobody', { enabled: false });
    const res = await sn.request('POST', `${APP_API}/resend`, { auth: USERS.svc, body: { incident: 'INC0010001' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: { requeued: before.result.length } });
    const after = await sn.list('x_incident_io_outbound_event', { sysparm_query: 'incident_number=INC0010001^state=queued', sysparm_fields: 'attempts' });
    expect(after.result.map((r) => r.attempts)).toEqual(before.result.map(() => '0'));

    const bad = await sn.request('POST', `${APP_API}/resend`, { auth: USERS.svc, body: {} });
    expect(bad.status).toBe(400);
    expect((bad.json as ErrorBody).error.message).toBe('Invalid resend request');
  });
});

describe('scripted REST operations added on the instance', () => {
  async function addOperation(name: string, method: string, relativePath: string, script: string): Promise<void> {
    const res = await sn.request('POST', '/api/now/table/sys_ws_operation', {
      body: {
        name,
        http_method: method,
        relative_path: relativePath,
        operation_script: script,
        web_service_definition: DEFINITION,
        web_service_version: '5307919f0d3e4e1da87676b0db4fc1e6',
        requires_acl_authorization: false,
        requires_authentication: true,
      },
    });
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    await addOperation('echo', 'POST', '/echo/{id}', `response.setStatus(201); response.setHeader('X-Echo', 'yes'); response.setBody({ id: request.pathParams.id, q: request.queryParams.q, data: request.body.data, user: gs.getUserName() });`);
    await addOperation('broken', 'GET', '/broken', `var x = null; x.boom();`);
    await addOperation('teapot', 'GET', '/teapot', `throw new sn_ws_err.NotFoundError('no teapot here');`);
    await addOperation('both', 'POST', '/both/{first}', `var b = request.body;
      var out = request.pathParams.first === 'data' ? { data: b.data, again: b.data, text: b.dataString } : { text: b.dataString, again: b.dataString, data: b.data === undefined ? 'undefined' : b.data };
      response.setBody(out);`);
  });

  it('reads the body once, as the platform stream: after data, dataString is empty, and after dataString, data is', async () => {
    const dataFirst = await sn.request('POST', `${APP_API}/both/data`, { auth: USERS.itil, body: { n: 1 } });
    expect(dataFirst.json).toEqual({ result: { data: { n: 1 }, again: { n: 1 }, text: '' } });
    const textFirst = await sn.request('POST', `${APP_API}/both/text`, { auth: USERS.itil, body: { n: 2 } });
    expect(textFirst.json).toEqual({ result: { text: '{"n":2}', again: '{"n":2}', data: 'undefined' } });
  });

  it('passes path and query parameters and the JSON body; wraps the body in result', async () => {
    const res = await sn.request('POST', `${APP_API}/echo/abc123`, { auth: USERS.itil, query: { q: 'x' }, body: { hello: 'world' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.json).toEqual({ result: { id: 'abc123', q: ['x'], data: { hello: 'world' }, user: USERS.itil.user } });
  });

  it('answers a thrown sn_ws_err error with its status and the error shape', async () => {
    const res = await sn.request('GET', `${APP_API}/teapot`, { auth: USERS.itil });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { message: 'no teapot here', detail: null }, status: 'failure' });
  });

  it('answers a script error with 500, logs it to syslog, and keeps serving', async () => {
    const res = await sn.request('GET', `${APP_API}/broken`, { auth: USERS.itil });
    expect(res.status).toBe(500);
    expect((res.json as ErrorBody).status).toBe('failure');
    expect((res.json as ErrorBody).error.detail).toContain("'broken'");
    const logged = await sn.list('syslog', { sysparm_query: 'level=2^messageLIKEbroken', sysparm_fields: 'message,source' });
    expect(logged.result).toEqual([expect.objectContaining({ source: 'Evaluator', message: expect.stringContaining('TypeError') })]);
    expect((await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc })).status).toBe(200);
  });
});
