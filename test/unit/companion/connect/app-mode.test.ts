import { runConnect } from '../../../../src/companion/connect/run-connect';
import { runDoctor } from '../../../../src/companion/doctor/run-doctor';
import { runResend } from '../../../../src/companion/doctor/run-resend';
import { openSqliteStore, Secret } from '../../../../src/companion/store';
import { captureIo, FAST_CLIENT, tempDataDir } from '../../../helpers/command-io';
import { grantRoles, installFakeApp, type FakeAppState } from '../../../helpers/fake-incident-io-app';
import { answer, FakeServiceNow } from '../../../helpers/fake-servicenow';

/**
 * Connect, doctor and resend with the incident.io app installed, against a fake instance whose app
 * API runs the app's own validation. (The integration tests do the same against the local
 * instance with the real app build installed.)
 */

const REQUIRED = ['x_incident_io.api_user', 'cmdb_read', 'sn_cmdb_user', 'incident_manager'];

let fake: FakeServiceNow;
let app: FakeAppState;
let data: ReturnType<typeof tempDataDir>;
let secrets: string[];

function flags(extra: Record<string, unknown> = {}) {
  return {
    instance: fake.url,
    clientId: fake.account.clientId,
    clientSecret: fake.account.clientSecret,
    username: fake.account.username,
    password: fake.account.password,
    name: 'fake',
    db: data.db,
    json: true,
    ...extra,
  };
}

const deps = () => ({
  connectionOptions: FAST_CLIENT,
  generateSecret: () => new Secret(secrets.shift() ?? Buffer.alloc(32, 9).toString('base64')),
});

async function stored() {
  const store = await openSqliteStore({ file: data.db, env: {} });
  try {
    return await store.getConnection('fake');
  } finally {
    await store.close();
  }
}

beforeEach(async () => {
  fake = await FakeServiceNow.start();
  data = tempDataDir();
  secrets = [Buffer.alloc(32, 1).toString('base64'), Buffer.alloc(32, 2).toString('base64')];
});
afterEach(async () => {
  await fake.close();
  data.remove();
});

function setUpCorrectly(overrides: Partial<FakeAppState> = {}): void {
  app = installFakeApp(fake, overrides);
  grantRoles(fake, fake.account.username, REQUIRED);
  fake.seed('task', [{ number: 'TASK0001' }]);
}

describe('connect with the app installed', () => {
  it('passes every check, configures the push with a fresh secret, and stores a real-time connection', async () => {
    setUpCorrectly();
    const io = captureIo();
    const { exitCode, results } = await runConnect(flags({ publicUrl: 'https://companion.example.com' }), io, deps());
    expect(JSON.parse(io.out())).toEqual(results.checks);
    expect(results.checks.map((r) => [r.id, r.ok])).toEqual([
      ['instance-reachable', true],
      ['oauth-token', true],
      ['service-account-roles', true],
      ['app-installed', true],
      ['task-access', true],
      ['push-configured', true],
    ]);
    expect(exitCode).toBe(0);
    expect(results.checks[4]!.message).toContain("the instance's ACL decisions for the service account, reported by the incident.io app");
    expect(app.configRequests).toEqual([
      {
        webhook_url: 'https://companion.example.com/webhooks/servicenow/fake',
        signing_secret: Buffer.alloc(32, 1).toString('base64'),
        integration_user: fake.account.username,
        enabled: true,
      },
    ]);
    const connection = (await stored())!;
    expect(connection).toMatchObject({ mode: 'realtime', integrationUser: fake.account.username, publicUrl: 'https://companion.example.com' });
    expect(connection.signingSecret?.reveal()).toBe(Buffer.alloc(32, 1).toString('base64'));
    expect(io.out()).not.toContain(Buffer.alloc(32, 1).toString('base64'));
    expect(io.out()).not.toContain(fake.account.password);
  });

  it('connecting again rotates the secret and keeps the previous one', async () => {
    setUpCorrectly();
    expect((await runConnect(flags(), captureIo(), deps())).exitCode).toBe(0);
    const again = await runConnect(flags({ json: false }), captureIo(), deps());
    expect(again.exitCode).toBe(0);
    expect(again.results.saved).toMatchObject({ created: false, rotated: true, mode: 'realtime' });
    const connection = (await stored())!;
    expect(connection.signingSecret?.reveal()).toBe(Buffer.alloc(32, 2).toString('base64'));
    expect(connection.previousSigningSecret?.reveal()).toBe(Buffer.alloc(32, 1).toString('base64'));
    expect(app.config.signingSecret).toBe(Buffer.alloc(32, 2).toString('base64'));
  });

  it("surfaces the app's refusal of a plain-http public URL, and says what to give instead", async () => {
    setUpCorrectly();
    const { exitCode, results } = await runConnect(flags({ publicUrl: 'http://companion.example.com' }), captureIo(), deps());
    expect(exitCode).toBe(1);
    const push = results.checks.find((r) => r.id === 'push-configured')!;
    expect(push.ok).toBe(false);
    expect(push.message).toContain('The incident.io app refused the push configuration: webhook_url must be an https:// URL');
    expect(push.message).toContain('uses http:// with a non-loopback host');
    expect(push.message).toContain('give --public-url (or INCIDENT_SN_PUBLIC_URL) the https URL');
    expect(await stored()).toBeUndefined();
  });

  it('fails when the app does not confirm the configuration', async () => {
    setUpCorrectly({ applyConfig: false });
    const { exitCode, results } = await runConnect(flags(), captureIo(), deps());
    expect(exitCode).toBe(1);
    expect(results.checks.at(-1)!.message).toMatch(
      /did not take the push configuration: it has no webhook URL, it has no integration user .*, it has no signing secret and pushes are disabled/,
    );
    expect(await stored()).toBeUndefined();
  });

  it('reports the task ACL decisions the app gives, naming what is denied', async () => {
    setUpCorrectly({ taskAccess: { create: false, read: true, write: false } });
    const { exitCode, results } = await runConnect(flags(), captureIo(), deps());
    expect(exitCode).toBe(1);
    const task = results.checks.find((r) => r.id === 'task-access')!;
    expect(task).toMatchObject({ ok: false, step: 'step 4' });
    expect(task.message).toContain('cannot create and write task records');
    expect(task.message).toContain('role x_incident_io.api_user');
    expect(results.notRun.map((n) => n.id)).toEqual(['push-configured']);
    expect(app.configRequests).toEqual([]);
  });

  it("falls back to the app's report of the caller's roles when sys_user_has_role is refused", async () => {
    fake.once({ path: '/api/now/table/sys_user_has_role' }, answer.error(403, 'Insufficient rights to query records', "No permission to read table 'sys_user_has_role'"));
    app = installFakeApp(fake, { callerRoles: { 'x_incident_io.api_user': true, cmdb_read: false, sn_cmdb_user: true, incident_manager: true, admin: false } });
    fake.seed('task', [{ number: 'TASK0001' }]);
    const { results } = await runConnect(flags(), captureIo(), deps());
    const roles = results.checks.find((r) => r.id === 'service-account-roles')!;
    expect(roles.ok).toBe(false);
    expect(roles.message).toContain('lacks role cmdb_read');
    expect(roles.message).toContain("roles reported by the incident.io app's health API");
  });

  it('tells an app that refuses the account (403) from a missing app', async () => {
    fake.once({ path: '/api/x_incident_io/v1/sync/health' }, answer.error(403, 'Forbidden', 'User Not Authorized'), 5);
    grantRoles(fake, fake.account.username, ['cmdb_read', 'sn_cmdb_user', 'incident_manager']);
    fake.seed('task', [{ number: 'TASK0001' }]);
    const { results } = await runConnect(flags(), captureIo(), deps());
    const appCheck = results.checks.find((r) => r.id === 'app-installed')!;
    expect(appCheck).toMatchObject({ ok: false, step: 'step 3' });
    expect(appCheck.message).toContain('The incident.io app is installed, but its API refused');
    expect(appCheck.message).toContain('lacks role x_incident_io.api_user');
  });
});

describe('doctor and resend with the app installed', () => {
  beforeEach(async () => {
    setUpCorrectly();
    expect((await runConnect(flags(), captureIo(), deps())).exitCode).toBe(0);
  });

  it('finds a healthy connection healthy and records the check', async () => {
    app.lastDelivery = { at: '2026-01-01T10:00:00Z', event_id: 'e1', state: 'delivered', http_status: 200, error: '' };
    const io = captureIo();
    const { exitCode, results } = await runDoctor({ db: data.db, json: true }, io, { connectionOptions: FAST_CLIENT, clock: () => new Date('2026-01-01T10:05:00Z') });
    expect(results.checks.filter((r) => !r.ok)).toEqual([]);
    expect(results.checks.map((r) => r.id)).toEqual([
      'instance-reachable',
      'oauth-token',
      'service-account-roles',
      'app-installed',
      'task-access',
      'push-configured',
      'clone-detected',
      'dead-events',
      'delivery-backlog',
      'last-delivery',
    ]);
    expect(exitCode).toBe(0);
    expect(app.configRequests).toHaveLength(1); // doctor changed nothing
    expect((await stored())!.lastCheck).toEqual({ at: new Date('2026-01-01T10:05:00Z'), status: 'ok', summary: 'all 10 checks passed' });
  });

  it('reports a clone: the identity configured and the current one, and how to resume', async () => {
    app.config = {
      ...app.config,
      clone: { recorded: { name: 'acme', url: 'https://acme.service-now.com/' }, current: { name: 'acme-dev', url: 'https://acme-dev.service-now.com/' } },
    };
    const { exitCode, results } = await runDoctor({ db: data.db, json: true }, captureIo(), { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(1);
    const clone = results.checks.find((r) => r.id === 'clone-detected')!;
    expect(clone.ok).toBe(false);
    expect(clone.message).toContain('configured on acme (https://acme.service-now.com/) but runs on acme-dev (https://acme-dev.service-now.com/)');
    expect(clone.message).toContain('incident-sn connect --name fake');
  });

  it('reports every delivery problem with what to do, and exits non-zero', async () => {
    app.outbox.dead = 3;
    app.outbox.queued = 4;
    app.oldestPendingAgeSeconds = 1500;
    app.lastDelivery = { at: '2026-01-01T10:00:00Z', event_id: 'e9', state: 'failed', http_status: 503, error: 'Service Unavailable' };
    const { exitCode, results } = await runDoctor({ db: data.db, json: true }, captureIo(), { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(1);
    const byId = Object.fromEntries(results.checks.map((r) => [r.id, r]));
    expect(byId['dead-events']).toMatchObject({ ok: false, step: null });
    expect(byId['dead-events']!.message).toContain('3 events could not be delivered after every retry and are dead');
    expect(byId['dead-events']!.message).toContain('incident-sn resend --name fake --since');
    expect(byId['dead-events']!.message).toContain('POST /api/x_incident_io/v1/sync/resend');
    expect(byId['delivery-backlog']!.message).toContain('The oldest undelivered event has waited 25 minutes (4 waiting)');
    expect(byId['last-delivery']!.message).toContain('The last delivery failed (2026-01-01T10:00:00Z, event e9, HTTP 503: Service Unavailable; now failed)');
    expect(byId['last-delivery']!.message).toContain('http://127.0.0.1:3000/webhooks/servicenow/fake');
    expect((await stored())!.lastCheck).toMatchObject({ status: 'attention', summary: expect.stringContaining('dead-events, delivery-backlog, last-delivery') });
  });

  it('reports disabled pushes and a webhook URL that no longer points here', async () => {
    app.config.enabled = false;
    app.config.webhookUrl = 'https://elsewhere.example.com/hook';
    const { exitCode, results } = await runDoctor({ db: data.db, json: true }, captureIo(), { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(1);
    const push = results.checks.find((r) => r.id === 'push-configured')!;
    expect(push.message).toContain('it pushes to https://elsewhere.example.com/hook, not to http://127.0.0.1:3000/webhooks/servicenow/fake');
    expect(push.message).toContain('pushes are disabled (x_incident_io.enabled is false)');
    expect(push.message).toContain('run incident-sn connect again');
  });

  it('reports an app that was uninstalled, and then runs no delivery findings', async () => {
    const noApp = await FakeServiceNow.start({ account: fake.account });
    try {
      grantRoles(noApp, noApp.account.username, REQUIRED);
      noApp.health = null;
      const store = await openSqliteStore({ file: data.db, env: {} });
      const existing = (await store.getConnection('fake'))!;
      await store.deleteConnection('fake');
      await store.saveConnection({ ...existing, instanceUrl: noApp.url });
      await store.close();
      const { exitCode, results } = await runDoctor({ db: data.db, json: true }, captureIo(), { connectionOptions: FAST_CLIENT });
      expect(exitCode).toBe(1);
      expect(results.checks.find((r) => r.id === 'app-installed')!.message).toContain('The incident.io app is not installed');
      expect(results.notRun.map((n) => n.id)).toEqual(['clone-detected', 'dead-events', 'delivery-backlog', 'last-delivery']);
    } finally {
      await noApp.close();
    }
  });

  it('resends through the app', async () => {
    fake.once({ method: 'POST', path: '/api/x_incident_io/v1/sync/resend' }, answer.json(200, { result: { requeued: 3 } }));
    const io = captureIo();
    const { exitCode, results } = await runResend({ db: data.db, incident: 'INC0010001' }, io, { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(0);
    expect(results.requeued).toBe(3);
    expect(io.out()).toBe('✔ 3 events of INC0010001 requeued on "fake"; the app delivers them again.\n');
    const post = fake.apiRequests().find((r) => r.method === 'POST')!;
    expect(JSON.parse(post.body)).toEqual({ incident: 'INC0010001' });
  });

  it('resend needs exactly one of --incident and --since', async () => {
    const io = captureIo();
    expect((await runResend({ db: data.db }, io)).exitCode).toBe(2);
    expect(io.err()).toContain('Give exactly one of --incident');
    expect((await runResend({ db: data.db, incident: 'INC1', since: '2026-01-01' }, captureIo())).exitCode).toBe(2);
  });
});
