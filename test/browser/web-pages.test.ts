import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startCompanion, type RunningCompanion } from '../../src/companion/server';
import { hashPassword } from '../../src/companion/web/passwords';
import { silentLogger } from '../../src/shared/logger';
import { holdRetryJob, RETRY_JOB, setProperty, startAppInstance } from '../helpers/app-instance';
import { FAST_CLIENT, tempDataDir } from '../helpers/command-io';
import { OAUTH_CLIENT, USERS, type TestInstance } from '../helpers/instance';
import { waitFor } from '../helpers/wait-for';

/**
 * The companion's web pages in real headless Chromium (Debian's package, never a downloaded
 * browser): sign-in and its refusals, Connect against the local instance with the app's real
 * build, live Status and Incidents pages, and resending a dead event. One browser for the file.
 */

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(os.tmpdir(), 'incident-sn-screenshots');
const EMAIL = 'engineer@example.com';
const PASSWORD = 'correct horse battery staple';

let sn: TestInstance;
let companion: RunningCompanion;
let data: ReturnType<typeof tempDataDir>;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it).`);
  fs.mkdirSync(SHOTS, { recursive: true });
  data = tempDataDir();
  sn = await startAppInstance();
  await holdRetryJob(sn);
  companion = await startCompanion({
    storeFile: data.db,
    env: {},
    port: 0,
    apiKey: null,
    logger: silentLogger(),
    shutdownGraceMs: 2_000,
    sync: { clientOptions: FAST_CLIENT, idleMs: 50, defaultMetrics: false, inboundBackoff: { baseMs: 50, maxMs: 200 }, outboundBackoff: { baseMs: 100, maxMs: 400 } },
    web: { connectDeps: { connectionOptions: FAST_CLIENT } },
  });
  await companion.store.users.createUser(EMAIL, await hashPassword(PASSWORD));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (err) => {
    throw err;
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await companion?.close();
  await sn?.close();
  data?.remove();
});

const url = (p: string) => `${companion.url}${p}`;
const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

async function fillConnect(p: Page, secret: string): Promise<void> {
  await p.getByLabel('ServiceNow instance').fill(sn.url);
  await p.getByLabel('OAuth client ID').fill(OAUTH_CLIENT.id);
  await p.getByLabel('OAuth client secret').fill(secret);
  await p.getByLabel('Username').fill(USERS.svc.user);
  await p.getByLabel('Password', { exact: true }).fill(USERS.svc.password);
  await p.getByLabel('Connection name (optional)').fill('local');
}

describe('signed out', () => {
  it('sends a page request to the sign-in page and refuses anything else with 401', async () => {
    await page.goto(url('/status'));
    expect(new URL(page.url()).pathname).toBe('/login');
    const fragment = await fetch(url('/incidents/fragment'));
    expect(fragment.status).toBe(401);
    const post = await fetch(url('/incidents'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(post.status).toBe(401);
    expect(await companion.engine.incidents.list({ limit: 10, offset: 0 })).toEqual([]);
  });

  it('refuses a wrong password with a message, and sets no session', async () => {
    await page.goto(url('/login'));
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('not the password');
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Sign in' }).click()]);
    expect(response.status()).toBe(401);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password.');
    expect((await context.cookies()).map((c) => c.name)).not.toContain('incident_sn_session');
    await shot('login-wrong-password');
  });

  it('refuses a sign-in form without its CSRF token', async () => {
    const res = await context.request.post(url('/login'), { form: { email: EMAIL, password: PASSWORD } });
    expect(res.status()).toBe(403);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('incident_sn_session');
  });
});

describe('signed in', () => {
  beforeAll(async () => {
    await page.goto(url('/login'));
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/connect');
  });

  it('sets an HttpOnly, SameSite session cookie and a CSP that forbids inline scripts', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'incident_sn_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const res = await context.request.get(url('/connect'));
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers()['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('refuses a form without the CSRF token (403) and changes nothing', async () => {
    const res = await context.request.post(url('/incidents'), { form: { name: 'Forged incident' } });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain('security token');
    expect(await companion.engine.incidents.list({ limit: 10, offset: 0 })).toEqual([]);
  });

  it('Connect without the script answers a page with each missing field\'s error next to it (400)', async () => {
    await page.goto(url('/connect'));
    const token = (await page.locator('meta[name="csrf-token"]').getAttribute('content'))!;
    const res = await context.request.post(url('/connect'), { form: { _csrf: token, instance: sn.url, client_id: '', username: USERS.svc.user } });
    expect(res.status()).toBe(400);
    const body = await res.text();
    expect(body).toMatch(/<p class="error" id="f-client_id-error" data-error-for="client_id">Enter the OAuth client id/);
    expect(body).toMatch(/aria-describedby="f-client_id-hint f-client_id-error" aria-invalid="true"/);
    expect(body).toContain(`value="${sn.url}"`);
    expect(await companion.store.listConnections()).toEqual([]);
  });

  it('Connect shows a wrong client secret next to the client secret field, and saves nothing', async () => {
    await page.goto(url('/connect'));
    await fillConnect(page, 'not-the-secret');
    await page.getByRole('button', { name: 'Connect' }).click();
    const error = page.locator('[data-error-for="client_secret"]');
    await error.filter({ hasText: 'OAuth application is at fault' }).waitFor();
    expect(await page.getByLabel('OAuth client secret').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('OAuth client secret').getAttribute('aria-describedby')).toContain('f-client_secret-error');
    await page.locator('#connect-outcome').filter({ hasText: 'Nothing was saved' }).waitFor();
    expect(await page.locator('[data-error-for="instance"]').textContent()).toBe('');
    expect(await companion.store.listConnections()).toEqual([]);
    await shot('connect-wrong-secret');
  });

  it('Connect to the local instance: every check passes, one by one, and the mode is real time', async () => {
    await page.goto(url('/connect'));
    await fillConnect(page, OAUTH_CLIENT.secret);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('#connect-outcome').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
    const checks = await page.locator('#checks li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-check'), li.className]));
    expect(checks).toEqual(
      ['instance-reachable', 'oauth-token', 'service-account-roles', 'app-installed', 'task-access', 'push-configured'].map((id) => [id, 'check ok']),
    );
    expect(await page.locator('#connect-outcome').textContent()).toContain('real-time');
    // The stored secrets never come back to the browser.
    await page.goto(url('/connect?edit=local'));
    expect(await page.getByLabel('OAuth client secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(OAUTH_CLIENT.secret);
    expect(await page.content()).not.toContain(USERS.svc.password);
    expect((await companion.store.getConnection('local'))?.mode).toBe('realtime');
    await shot('connect-ok');
  });

  it('declares an incident from the page, then a change made in ServiceNow shows on Incidents and Status without reloading', async () => {
    await page.goto(url('/incidents'));
    await page.getByLabel('Name').fill('Checkout is down');
    await page.getByLabel('Severity').selectOption('major');
    await page.getByRole('button', { name: 'Declare' }).click();
    await page.waitForURL((u) => u.pathname === '/incidents');
    const number = page.locator('[data-incident="INC-1"] .sn-number');
    await number.waitFor({ timeout: 15_000 });
    const snNumber = (await number.textContent())!;
    expect(snNumber).toMatch(/^INC\d{7}$/);

    const link = await waitFor(async () => (await companion.engine.incidents.get('INC-1')).link);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations.push(frame.url()));
    const patched = await sn.request('PATCH', `/api/now/table/incident/${link.sysId}`, { auth: USERS.itil, body: { short_description: 'Checkout is down in EU' } });
    expect(patched.status).toBe(200);
    await page.locator('[data-incident="INC-1"] h2').filter({ hasText: 'Checkout is down in EU' }).waitFor({ timeout: 15_000 });
    expect(navigations).toEqual([]);

    await page.getByLabel('Add an update').fill('Rolled back the deploy');
    await page.getByRole('button', { name: 'Post update' }).click();
    await page.waitForURL((u) => u.pathname === '/incidents');
    await page.locator('[data-incident="INC-1"] summary').click();
    await page.locator('[data-incident="INC-1"] .timeline').filter({ hasText: 'Rolled back the deploy' }).waitFor();
    await shot('incidents');

    await page.goto(url('/status/local'));
    await page.locator('#activity').filter({ hasText: 'INC-1' }).waitFor();
    navigations.length = 0;
    const inboundRows = () => page.locator('#activity tbody tr').filter({ hasText: 'ServiceNow → incident.io' }).count();
    const before = await inboundRows();
    await sn.request('PATCH', `/api/now/table/incident/${link.sysId}`, { auth: USERS.itil, body: { urgency: '1' } });
    await waitFor(async () => (await inboundRows()) > before, { timeoutMs: 15_000, intervalMs: 100, message: 'the change to appear on the status page' });
    expect(navigations).toEqual([]);
    expect(await page.locator('#mode').textContent()).toContain('real-time');
    expect(await page.locator('#last-push').textContent()).not.toBe('none yet');
    await page.locator('#latency-chart').waitFor();
    await shot('status');
  });

  it('resends a dead event from the Status page', async () => {
    await setProperty(sn, 'x_incident_io.max_attempts', '1');
    const faults = await sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } });
    expect(faults.status).toBe(200);
    const created = await sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'Database down' } });
    expect(created.status).toBe(201);
    const sysId = (created.json as { result: { sys_id: string } }).result.sys_id;
    await page.goto(url('/status/local'));
    await page.locator('#outbox-dead').filter({ hasText: /^1$/ }).waitFor({ timeout: 15_000 });
    await shot('status-dead-event');
    await sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 0 } } });
    await setProperty(sn, 'x_incident_io.max_attempts', '12');

    await page.getByRole('button', { name: 'Resend dead events' }).click();
    await page.getByRole('status').filter({ hasText: 'requeued' }).waitFor();
    await sn.scheduler!.runNow(RETRY_JOB);
    await page.locator('#outbox-dead').filter({ hasText: /^0$/ }).waitFor({ timeout: 15_000 });
    // Requeued is not yet delivered: wait for the companion to have received the event.
    const connection = (await companion.store.getConnection('local'))!;
    const received = await waitFor(async () => {
      const events = await companion.store.sync.inbound.listForIncident(connection.id, sysId);
      return events.length > 0 && events;
    }, { timeoutMs: 15_000, message: 'the resent event to reach the companion' });
    expect(received).toEqual([expect.objectContaining({ type: 'incident.created', source: 'push' })]);
    await page.locator('#outbox-queued').filter({ hasText: /^0$/ }).waitFor({ timeout: 15_000 });

    // Doctor's findings on the same page: every check passes again now that nothing is dead.
    await page.getByRole('button', { name: 'Run doctor' }).click();
    await page.locator('#doctor li').first().waitFor({ timeout: 20_000 });
    const findings = await page.locator('#doctor li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-check'), li.className]));
    expect(findings.map(([id]) => id)).toEqual(expect.arrayContaining(['instance-reachable', 'dead-events', 'last-delivery']));
    expect(findings.filter(([, cls]) => cls !== 'check ok')).toEqual([]);
    expect((await companion.store.getConnection('local'))!.lastCheck).toMatchObject({ status: 'ok' });
  });

  it('is readable at phone width', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    for (const p of ['/connect', '/status/local', '/incidents']) {
      await page.goto(url(p));
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect({ page: p, overflow }).toEqual({ page: p, overflow: 0 });
      await shot(`phone${p.replace(/\//g, '-')}`);
    }
    await page.setViewportSize({ width: 1100, height: 900 });
  });

  it("the companion's ServiceNow link opens the local instance's own page, marked as the emulator", async () => {
    await page.goto(url('/incidents'));
    const href = (await page.locator('[data-incident="INC-1"] .sn-number').getAttribute('href'))!;
    expect(href).toMatch(new RegExp(`^${sn.url}/incident\\.do\\?sys_id=[0-9a-f]{32}$`));
    await page.goto(href);
    expect(new URL(page.url()).pathname).toBe('/login.do');
    await page.getByLabel('User name').fill(USERS.itil.user);
    await page.getByLabel('Password').fill(USERS.itil.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => u.pathname === '/incident.do');
    expect(await page.getByRole('note').textContent()).toContain('not a real ServiceNow instance');
    await page.getByText('Checkout is down in EU').first().waitFor();
    await shot('instance-incident');
    await page.goto(`${sn.url}/incident_list.do`);
    await page.getByRole('link', { name: /^INC\d{7}$/ }).first().waitFor();
    await shot('instance-incident-list');
  });
});
