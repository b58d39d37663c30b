import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runConnect } from '../../../src/companion/connect/run-connect';
import { runDoctor } from '../../../src/companion/doctor/run-doctor';
import { runResend } from '../../../src/companion/doctor/run-resend';
import { openSqliteStore, Secret } from '../../../src/companion/store';
import { seedEdits, type Seed } from '../../../src/instance';
import { DIST_APP } from '../../helpers/build';
import { captureIo, FAST_CLIENT, tempDataDir } from '../../helpers/command-io';
import { svcFlags, SVC } from '../../helpers/connect-fixture';
import { startTestInstance, USERS, type TestInstance } from '../../helpers/instance';
import { waitFor } from '../../helpers/wait-for';

/**
 * connect, doctor and resend against the local instance with the real app build (dist/app)
 * installed: its scripted REST API, its task ACLs and its outbox.
 */

let sn: TestInstance | undefined;
let data: ReturnType<typeof tempDataDir>;
let secrets: string[];

beforeEach(() => {
  data = tempDataDir();
  secrets = [Buffer.alloc(32, 7).toString('base64'), Buffer.alloc(32, 8).toString('base64')];
});
afterEach(async () => {
  await sn?.close();
  sn = undefined;
  data.remove();
});

async function withApp(...edits: Array<(seed: Seed) => Seed>): Promise<TestInstance> {
  sn = await startTestInstance({ app: DIST_APP, seed: edits });
  return sn;
}

async function connect(flags: Parameters<typeof runConnect>[0]) {
  const io = captureIo();
  const outcome = await runConnect(flags, io, {
    connectionOptions: FAST_CLIENT,
    generateSecret: () => new Secret(secrets.shift()!),
  });
  return { ...outcome, io, byId: Object.fromEntries(outcome.results.checks.map((r) => [r.id, r])) };
}

async function adminHealth(local: TestInstance) {
  const res = await local.request('GET', '/api/x_incident_io/v1/sync/health', { auth: USERS.admin });
  expect(res.status).toBe(200);
  return (res.json as { result: { config: Record<string, unknown>; last_delivery: unknown } }).result;
}

/** Sets `active` on the app's task ACLs for these operations (as an admin would in the ACL list). */
async function setTaskAcls(local: TestInstance, operations: string[], values: Record<string, string> | 'delete'): Promise<void> {
  for (const operation of operations) {
    const acls = await local.list('sys_security_acl', { sysparm_query: `name=task^operation=${operation}^sys_scope.scope=x_incident_io`, sysparm_fields: 'sys_id' });
    expect(acls.result).toHaveLength(1);
    const path = `/api/now/table/sys_security_acl/${String(acls.result[0]!.sys_id)}`;
    const res = values === 'delete' ? await local.request('DELETE', path) : await local.request('PATCH', path, { body: values });
    expect([200, 204]).toContain(res.status);
  }
}

describe('connect with the app installed (real time)', () => {
  it('passes all six checks, configures the app and stores a real-time connection', async () => {
    const local = await withApp();
    const { exitCode, results, byId } = await connect(svcFlags(local, data.db, { name: 'local' }));
    expect(results.checks.map((r) => [r.id, r.ok])).toEqual([
      ['instance-reachable', true],
      ['oauth-token', true],
      ['service-account-roles', true],
      ['app-installed', true],
      ['task-access', true],
      ['push-configured', true],
    ]);
    expect(exitCode).toBe(0);
    expect(byId['app-installed']!.message).toContain('The incident.io app is installed (x_incident_io 1.1.0)');
    expect(byId['task-access']!.message).toContain("the instance's ACL decisions for the service account, reported by the incident.io app");
    expect(byId['push-configured']!.message).toBe(
      `Pushes configured: the app sends changes to http://127.0.0.1:3000/webhooks/servicenow/local, signed with a new secret, ignoring changes made by "${SVC.user}" (setup guide step 5)`,
    );
    expect((await adminHealth(local)).config).toEqual({
      enabled: true,
      webhook_url: 'http://127.0.0.1:3000/webhooks/servicenow/local',
      signing_secret_set: true,
      integration_user: SVC.user,
      follow_up_table: 'incident',
      delivering: true,
    });
    const store = await openSqliteStore({ file: data.db, env: {} });
    const stored = (await store.getConnection('local'))!;
    await store.close();
    expect(stored.mode).toBe('realtime');
    expect(stored.signingSecret?.reveal()).toBe(Buffer.alloc(32, 7).toString('base64'));
  });

  it('connecting again rotates the signing secret, keeping the previous one', async () => {
    const local = await withApp();
    expect((await connect(svcFlags(local, data.db, { name: 'local' }))).exitCode).toBe(0);
    const again = await connect(svcFlags(local, data.db));
    expect(again.exitCode).toBe(0);
    expect(again.results.saved).toMatchObject({ name: 'local', rotated: true, created: false });
    const store = await openSqliteStore({ file: data.db, env: {} });
    const stored = (await store.getConnection('local'))!;
    await store.close();
    expect(stored.signingSecret?.reveal()).toBe(Buffer.alloc(32, 8).toString('base64'));
    expect(stored.previousSigningSecret?.reveal()).toBe(Buffer.alloc(32, 7).toString('base64'));
  });

  it("surfaces the app's refusal of a plain-http public URL that is not loopback", async () => {
    const local = await withApp();
    const { exitCode, byId } = await connect(svcFlags(local, data.db, { publicUrl: 'http://companion.example.com' }));
    expect(exitCode).toBe(1);
    const push = byId['push-configured']!;
    expect(push.message).toContain('The incident.io app refused the push configuration: webhook_url must be an https:// URL');
    expect(push.message).toContain('"http://companion.example.com/webhooks/servicenow/');
    expect(push.message).toContain('the app accepts http only for a loopback host');
    expect((await adminHealth(local)).config).toMatchObject({ enabled: false, webhook_url: '' });
  });

  it.each([
    ['deactivated', { active: 'false' } as const],
    ['deleted', 'delete' as const],
  ])('task ACLs of the app that were %s: create and write are denied (step 4)', async (_what, change) => {
    const local = await withApp();
    await setTaskAcls(local, ['create', 'write'], change);
    const { exitCode, byId, results } = await connect(svcFlags(local, data.db));
    expect(exitCode).toBe(1);
    const task = byId['task-access']!;
    expect(task).toMatchObject({ ok: false, step: 'step 4' });
    expect(task.message).toContain(`"${SVC.user}" cannot create and write task records (the instance's ACL decisions`);
    expect(task.message).toContain('add the task ACLs of step 4');
    expect(results.notRun.map((n) => n.id)).toEqual(['push-configured']);
    expect((await adminHealth(local)).config).toMatchObject({ enabled: false });
  });

  it('a service account without x_incident_io.api_user: the app is there but refuses it (403)', async () => {
    const local = await withApp((s) => seedEdits.revokeRole(s, SVC.user, 'x_incident_io.api_user'));
    const { exitCode, byId } = await connect(svcFlags(local, data.db));
    expect(exitCode).toBe(1);
    expect(byId['service-account-roles']!.message).toContain('lacks role x_incident_io.api_user');
    const app = byId['app-installed']!;
    expect(app).toMatchObject({ ok: false, step: 'step 3' });
    expect(app.message).toContain('The incident.io app is installed, but its API refused');
    expect(app.message).toContain('403');
  });
});

describe('doctor and resend with the app installed', () => {
  it('finds a freshly connected instance healthy', async () => {
    const local = await withApp();
    expect((await connect(svcFlags(local, data.db, { name: 'local' }))).exitCode).toBe(0);
    const io = captureIo();
    const { exitCode, results } = await runDoctor({ db: data.db, json: true }, io, { connectionOptions: FAST_CLIENT });
    expect(results.checks.map((r) => [r.id, r.ok])).toEqual([
      ['instance-reachable', true],
      ['oauth-token', true],
      ['service-account-roles', true],
      ['app-installed', true],
      ['task-access', true],
      ['push-configured', true],
      ['clone-detected', true],
      ['dead-events', true],
      ['delivery-backlog', true],
      ['last-delivery', true],
    ]);
    expect(exitCode).toBe(0);
  });

  it('reports the push turned off and pointed elsewhere since connect', async () => {
    const local = await withApp();
    expect((await connect(svcFlags(local, data.db, { name: 'local' }))).exitCode).toBe(0);
    const res = await local.request('PUT', '/api/x_incident_io/v1/sync/config', {
      auth: USERS.admin,
      body: { enabled: false, webhook_url: 'https://elsewhere.example.com/hook' },
    });
    expect(res.status).toBe(200);
    const { exitCode, results } = await runDoctor({ db: data.db, json: true }, captureIo(), { connectionOptions: FAST_CLIENT });
    expect(exitCode).toBe(1);
    const push = results.checks.find((r) => r.id === 'push-configured')!;
    expect(push.message).toContain('it pushes to https://elsewhere.example.com/hook, not to http://127.0.0.1:3000/webhooks/servicenow/local');
    expect(push.message).toContain('pushes are disabled (x_incident_io.enabled is false)');
  });

  it('reports a dead event and the failing delivery with its HTTP status, and resends through the app', async () => {
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down for maintenance');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const local = await withApp();
      const connected = await connect(svcFlags(local, data.db, { name: 'local', publicUrl: `http://127.0.0.1:${port}` }));
      expect(connected.exitCode).toBe(0);
      // One attempt only, so the first failure makes the event dead.
      const property = await local.list('sys_properties', { sysparm_query: 'name=x_incident_io.max_attempts', sysparm_fields: 'sys_id' });
      const patched = await local.request('PATCH', `/api/now/table/sys_properties/${String(property.result[0]!.sys_id)}`, { body: { value: '1' } });
      expect(patched.status).toBe(200);
      const created = await local.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'Database down' } });
      expect(created.status).toBe(201);
      const number = (created.json as { result: { number: string } }).result.number;
      // The app marks the event "sending" first, then records the receiver's answer.
      await waitFor(
        async () => {
          const last = (await adminHealth(local)).last_delivery as { state: string } | null;
          return last !== null && last.state !== 'sending';
        },
        { intervalMs: 50, message: 'the last delivery to be recorded' },
      );
      expect(received[0]).toBe('/webhooks/servicenow/local');

      const { exitCode, results } = await runDoctor({ db: data.db, json: true }, captureIo(), { connectionOptions: FAST_CLIENT });
      expect(exitCode).toBe(1);
      const dead = results.checks.find((r) => r.id === 'dead-events')!;
      expect(dead.ok).toBe(false);
      expect(dead.message).toContain('1 event could not be delivered after every retry and is dead');
      expect(dead.message).toContain('incident-sn resend --name local');
      const last = results.checks.find((r) => r.id === 'last-delivery')!;
      expect(last.ok).toBe(false);
      expect(last.message).toContain('HTTP 503');
      expect(last.message).toContain('now dead');
      expect(last.message).toContain(`http://127.0.0.1:${port}/webhooks/servicenow/local`);

      const io = captureIo();
      const resent = await runResend({ db: data.db, incident: number }, io, { connectionOptions: FAST_CLIENT });
      expect(resent.exitCode).toBe(0);
      expect(resent.results.requeued).toBe(1);
      expect(io.out()).toContain(`of ${number} requeued on "local"`);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
