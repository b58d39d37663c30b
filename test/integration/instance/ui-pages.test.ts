import { closedPort } from '../../helpers/connect-fixture';
import { configurePush, holdRetryJob, startAppInstance } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';

/**
 * The local instance's own pages: sign in at /login.do, then the incident list, one incident, and
 * the app's outbox, each saying that it is the emulator.
 */

let sn: TestInstance;
beforeAll(async () => {
  sn = await startAppInstance();
  await holdRetryJob(sn);
  // Nothing listens there: the app queues the incident's event, and it stays in the outbox.
  await configurePush(sn, `http://127.0.0.1:${await closedPort()}/webhooks/servicenow/local`);
});
afterAll(async () => {
  await sn?.close();
});

const EMULATOR = 'an emulator for development and tests, not a real ServiceNow instance';

async function logIn(user: string, password: string): Promise<Response> {
  return fetch(`${sn.url}/login.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_name: user, user_password: password, uri: '/incident_list.do' }).toString(),
    redirect: 'manual',
  });
}

async function cookieFor(user: { user: string; password: string }): Promise<string> {
  const res = await logIn(user.user, user.password);
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

describe('the local instance UI', () => {
  it('sends a signed-out visitor to /login.do, which says it is the emulator', async () => {
    const res = await fetch(`${sn.url}/incident_list.do`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login.do?uri=%2Fincident_list.do');
    const login = await fetch(`${sn.url}/login.do`);
    expect(login.status).toBe(200);
    const html = await login.text();
    expect(html).toContain(EMULATOR);
    expect(html).toContain('<label for="user_password">Password</label>');
  });

  it('refuses a wrong password', async () => {
    const res = await logIn('itil.user', 'wrong');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('User name or password invalid.');
  });

  it('lists incidents, shows one with its fields and journal, and shows the outbox', async () => {
    const created = await sn.request('POST', '/api/now/table/incident', {
      auth: USERS.itil,
      body: { short_description: 'Printer on fire <b>now</b>', work_notes: 'Extinguisher fetched' },
    });
    expect(created.status).toBe(201);
    const { sys_id: sysId, number } = (created.json as { result: { sys_id: string; number: string } }).result;
    const cookie = await cookieFor(USERS.itil);

    const list = await fetch(`${sn.url}/incident_list.do`, { headers: { cookie } });
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(EMULATOR);
    expect(listHtml).toContain(`<a href="/incident.do?sys_id=${sysId}">${number}</a>`);
    expect(listHtml).toContain('Printer on fire &lt;b&gt;now&lt;/b&gt;');

    const one = await fetch(`${sn.url}/incident.do?sys_id=${sysId}`, { headers: { cookie } });
    expect(one.status).toBe(200);
    const oneHtml = await one.text();
    expect(oneHtml).toContain(`Incident ${number}`);
    expect(oneHtml).toContain('Extinguisher fetched');
    expect(oneHtml).toContain(EMULATOR);

    const missing = await fetch(`${sn.url}/incident.do?sys_id=${'0'.repeat(32)}`, { headers: { cookie } });
    expect(missing.status).toBe(404);

    const admin = await cookieFor(USERS.admin);
    const outbox = await fetch(`${sn.url}/x_incident_io_outbound_event_list.do`, { headers: { cookie: admin } });
    expect(outbox.status).toBe(200);
    const outboxHtml = await outbox.text();
    expect(outboxHtml).toContain(EMULATOR);
    expect(outboxHtml).toContain(number);
  });
});
