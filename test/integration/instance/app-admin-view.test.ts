import { USERS, type Credentials } from '../../helpers/instance';
import { CONNECTION, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * The admin view inside ServiceNow, on the local instance with the app's real build and the real
 * companion: incident.io → Status (module, UI page, the admin API it reads), the outbox's UI
 * actions pressed as a user's click would ("Send test event": a signed ping the companion verifies
 * and answers; "Resend" on a dead event), with the role checks a real instance applies.
 */

jest.setTimeout(120_000);

const OUTBOX = 'x_incident_io_outbound_event';
const ADMIN_API = '/api/x_incident_io/v1/admin';

let fx: SyncFixture;
let secret: string;

beforeAll(async () => {
  fx = await startRealtimeFixture();
  secret = fx.connection.signingSecret!.reveal();
});
afterAll(async () => {
  await fx?.close();
});

interface Status {
  app: { version: string };
  config: { webhook_url: string; signing_secret_set: boolean; integration_user: string; enabled: boolean; delivering: boolean };
  outbox: Record<string, number>;
  oldest_pending_age_seconds: number | null;
  last_delivery: { state: string; http_status: number } | null;
  clone_detected: unknown;
  last_test_event: { event_id: string; state: string; http_status: number; error: string } | null;
}

async function uiActionId(name: string): Promise<string> {
  const found = await fx.sn.list('sys_ui_action', { sysparm_query: `table=${OUTBOX}^name=${name}`, sysparm_fields: 'sys_id' });
  expect(found.result).toHaveLength(1);
  return found.result[0]!.sys_id as string;
}

async function press(name: string, recordSysId: string, as: Credentials) {
  const id = await uiActionId(name);
  const res = await fx.sn.request('POST', `/api/now/ui/ui_action/${id}`, { auth: as, query: { sysparm_table: OUTBOX, ...(recordSysId ? { sysparm_sys_id: recordSysId } : {}) } });
  return { status: res.status, body: res.json as { result?: { messages: Array<{ type: string; message: string }> }; error?: { detail: string } } };
}

async function outboxRow(sysId: string): Promise<Record<string, string>> {
  const res = await fx.sn.request('GET', `/api/now/table/${OUTBOX}/${sysId}`, { query: { sysparm_exclude_reference_link: true } });
  expect(res.status).toBe(200);
  return (res.json as { result: Record<string, string> }).result;
}

/** Signs in at /login.do and opens the Status page as a browser does: its HTML, session cookie and g_ck. */
async function openStatusPage(user: Credentials): Promise<{ html: string; cookie: string; token: string }> {
  const login = await fetch(`${fx.sn.url}/login.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_name: user.user, user_password: user.password, uri: '/x_incident_io_status.do' }).toString(),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  const uiCookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const page = await fetch(`${fx.sn.url}/x_incident_io_status.do`, { headers: { cookie: uiCookie }, redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const token = /window\.g_ck = "([0-9a-f]+)"/.exec(html)?.[1];
  expect(token).toBeDefined();
  const session = page.headers.get('set-cookie')!.split(';')[0]!;
  return { html, cookie: `${uiCookie}; ${session}`, token: token! };
}

/** What the page's client script does: GET the admin API with the session cookie and X-UserToken. */
async function pageStatus(page: { cookie: string; token: string }): Promise<{ status: number; text: string; body: { result: Status } }> {
  const res = await fetch(`${fx.sn.url}${ADMIN_API}/status`, { headers: { cookie: page.cookie, 'x-usertoken': page.token, accept: 'application/json' } });
  const text = await res.text();
  return { status: res.status, text, body: res.status === 200 ? JSON.parse(text) : null };
}

describe('incident.io → Status', () => {
  it('is a module of the app menu linking to the UI page, which the instance serves to a signed-in user only', async () => {
    const modules = await fx.sn.list('sys_app_module', { sysparm_query: 'title=Status', sysparm_fields: 'link_type,query,roles,application', sysparm_exclude_reference_link: true });
    expect(modules.result).toHaveLength(1);
    expect(modules.result[0]).toMatchObject({ link_type: 'DIRECT', query: 'x_incident_io_status.do', roles: 'x_incident_io.admin' });
    const menu = await fx.sn.list('sys_app_application', { sysparm_query: `sys_id=${modules.result[0]!.application as string}`, sysparm_fields: 'title' });
    expect(menu.result[0]!.title).toBe('incident.io');

    const anonymous = await fetch(`${fx.sn.url}/x_incident_io_status.do`, { redirect: 'manual' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/login.do');
  });

  it('shows the configuration without the secret, delivery, outbox counts and no clone, to an app admin; refuses others', async () => {
    const page = await openStatusPage(USERS.admin);
    expect(page.html).toContain('incident.io integration: Status');
    expect(page.html).toContain('Send test event');
    expect(page.html).toContain('/api/x_incident_io/v1/admin/');

    const { status, text, body } = await pageStatus(page);
    expect(status).toBe(200);
    expect(text).not.toContain(secret);
    const s = body.result;
    expect(s.config).toEqual({ webhook_url: expect.stringContaining(`/webhooks/servicenow/${CONNECTION}`), signing_secret_set: true, integration_user: USERS.svc.user, enabled: true, follow_up_table: 'incident', delivering: true });
    expect(Object.keys(s.outbox).sort()).toEqual(['dead', 'delivered', 'failed', 'queued', 'sending']);
    expect(s.clone_detected).toBeNull();
    expect(s.app.version).toMatch(/^\d+\.\d+\.\d+$/);

    // Without X-UserToken the session cookie alone is refused (CSRF), and an itil user is not an app admin.
    const bare = await fetch(`${fx.sn.url}${ADMIN_API}/status`, { headers: { cookie: page.cookie } });
    expect(bare.status).toBe(401);
    const itil = await fx.sn.request('GET', `${ADMIN_API}/status`, { auth: USERS.itil });
    expect(itil.status).toBe(403);
  });
});

describe('Send test event', () => {
  it('queues a signed ping the companion verifies and answers (200), without any sync work; the Status page shows the outcome', async () => {
    const countBefore = await fx.companion.store.sync.inbound.countByState();

    const refused = await press('Send test event', '', USERS.itil);
    expect(refused.status).toBe(403);
    expect(refused.body.error!.detail).toContain('x_incident_io.admin');

    const pressed = await press('Send test event', '', USERS.admin);
    expect(pressed.status).toBe(200);
    expect(pressed.body.result!.messages).toEqual([{ type: 'info', message: expect.stringContaining('queued') }]);

    const ping = await waitFor(async () => {
      const rows = await fx.sn.list(OUTBOX, { sysparm_query: 'event_type=ping^state=delivered', sysparm_fields: 'sys_id,event_id,last_http_status,incident,attempts' });
      return rows.result[0];
    }, { message: 'the ping to be delivered', timeoutMs: 30_000 });
    expect(ping.last_http_status).toBe('200');
    expect(ping.incident).toBe('');
    const lastPing = fx.companion.engine.lastPing(CONNECTION);
    expect(lastPing?.eventId).toBe(ping.event_id);
    expect(await fx.companion.store.sync.inbound.countByState()).toEqual(countBefore);

    const page = await openStatusPage(USERS.admin);
    const { body } = await pageStatus(page);
    expect(body.result.last_test_event).toMatchObject({ event_id: ping.event_id, state: 'delivered', http_status: 200, error: '' });

    // The page's own button: POST /test_event with the session.
    const again = await fetch(`${fx.sn.url}${ADMIN_API}/test_event`, { method: 'POST', headers: { cookie: page.cookie, 'x-usertoken': page.token, accept: 'application/json' } });
    expect(again.status).toBe(202);
    const queued = ((await again.json()) as { result: { outbox_sys_id: string } }).result.outbox_sys_id;
    await waitFor(async () => (await outboxRow(queued)).state === 'delivered', { message: 'the second ping to be delivered', timeoutMs: 30_000 });
    await waitFor(() => fx.companion.engine.lastPing(CONNECTION)?.eventId !== lastPing?.eventId, { message: 'the companion to record the second ping' });
  });
});

describe('Resend', () => {
  it('puts a dead event back in the queue and delivers it again; not offered on a delivered event, nor to an itil user', async () => {
    const found = await fx.sn.list('incident', { sysparm_query: 'active=true^ORDERBYnumber', sysparm_limit: 1, sysparm_fields: 'sys_id' });
    const incident = found.result[0]!.sys_id as string;
    await fx.patchRecord(incident, { short_description: 'Resend me from the outbox' });
    const event = await waitFor(async () => {
      const rows = await fx.sn.list(OUTBOX, { sysparm_query: `incident_sys_id=${incident}^state=delivered^ORDERBYDESCorder_key`, sysparm_fields: 'sys_id,attempts', sysparm_limit: 1 });
      return rows.result[0];
    }, { message: 'the change to be delivered', timeoutMs: 30_000 });
    const sysId = event.sys_id as string;

    const delivered = await press('Resend', sysId, USERS.admin);
    expect(delivered.status).toBe(403);
    expect(delivered.body.error!.detail).toContain('condition');

    // The receiver gave up on it (as after max attempts): an admin marks what the app would have.
    const marked = await fx.sn.request('PATCH', `/api/now/table/${OUTBOX}/${sysId}`, { body: { state: 'dead', last_error: 'HTTP 503' } });
    expect(marked.status).toBe(200);

    const itil = await press('Resend', sysId, USERS.itil);
    expect(itil.status).toBe(403);
    expect((await outboxRow(sysId)).state).toBe('dead');

    const pressed = await press('Resend', sysId, USERS.admin);
    expect(pressed.status).toBe(200);
    expect(pressed.body.result!.messages).toEqual([{ type: 'info', message: expect.stringContaining('queued again') }]);
    const row = await waitFor(async () => {
      const r = await outboxRow(sysId);
      return r.state === 'delivered' ? r : undefined;
    }, { message: 'the resent event to be delivered', timeoutMs: 30_000 });
    expect(row.attempts).toBe('1');
    expect(row.last_error).toBe('');
    expect(row.last_http_status).toBe('200');
  });
});

describe('on a clone', () => {
  it('warns with both identities, and sends no test event', async () => {
    const found = await fx.sn.list('sys_properties', { sysparm_query: 'name=instance_name', sysparm_fields: 'sys_id' });
    const patched = await fx.sn.request('PATCH', `/api/now/table/sys_properties/${found.result[0]!.sys_id as string}`, { body: { value: 'acme-dev' } });
    expect(patched.status).toBe(200);

    const page = await openStatusPage(USERS.admin);
    const { body } = await pageStatus(page);
    expect(body.result.clone_detected).toMatchObject({ current: { name: 'acme-dev' } });
    expect(body.result.config.delivering).toBe(false);

    const refused = await fetch(`${fx.sn.url}${ADMIN_API}/test_event`, { method: 'POST', headers: { cookie: page.cookie, 'x-usertoken': page.token, accept: 'application/json' } });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { detail: string } }).error.detail).toContain('acme-dev');
    const pressed = await press('Send test event', '', USERS.admin);
    expect(pressed.body.result!.messages).toEqual([{ type: 'error', message: expect.stringContaining('acme-dev') }]);
  });
});
