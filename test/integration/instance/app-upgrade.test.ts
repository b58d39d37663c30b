import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedEdits, type SeedOption } from '../../../src/instance';
import { PASSWORD2_GET_DECRYPTS } from '../../../src/instance/runtime/glide/gs';
import { APP_API, configurePush, holdRetryJob, type PushConfig } from '../../helpers/app-instance';
import { DIST_APP } from '../../helpers/build';
import { startTestInstance, USERS, type TestInstance } from '../../helpers/instance';
import { startPushReceiver, type PushReceiver } from '../../helpers/push-receiver';
import { releasedBuild } from '../../helpers/released-build';
import { waitFor } from '../../helpers/wait-for';

/**
 * Upgrading from app 1.0.0 (the signing secret in a password2 property) to this build (the secret
 * in the password2 field of the configuration record): install the released build, configure a
 * secret as Connect does, install this build over it on the same database, then change an incident
 * and verify the push with the secret configured before the upgrade.
 */

jest.setTimeout(120_000);

const SECRET_PROPERTY = 'x_incident_io.signing_secret';

let released: string;
let receiver: PushReceiver;
let dir: string;
const running: TestInstance[] = [];

beforeAll(async () => {
  released = await releasedBuild();
  receiver = await startPushReceiver();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-upgrade-'));
});

afterAll(async () => {
  for (const sn of running) await sn.close();
  await receiver?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(dbPath: string, app: string, seed?: SeedOption): Promise<TestInstance> {
  const sn = await startTestInstance({ dbPath, app, seed, scheduler: { workers: 1, pollIntervalMs: 1000 } });
  running.push(sn);
  return sn;
}

async function stop(sn: TestInstance): Promise<void> {
  await sn.close();
  running.splice(running.indexOf(sn), 1);
}

async function changeAnIncident(sn: TestInstance, text: string): Promise<string> {
  const found = await sn.list('incident', { sysparm_query: 'active=true^ORDERBYnumber', sysparm_limit: 1, sysparm_fields: 'sys_id' });
  const sysId = found.result[0]!.sys_id as string;
  const res = await sn.request('PATCH', `/api/now/table/incident/${sysId}`, { auth: USERS.itil, body: { short_description: text } });
  expect(res.status).toBe(200);
  return sysId;
}

async function pushFor(sysId: string, text: string) {
  return waitFor(() => receiver.pushes.find((p) => p.event.incident?.sys_id === sysId && p.event.incident?.short_description === text), {
    message: `the push of "${text}"`,
    timeoutMs: 20_000,
  });
}

async function health(sn: TestInstance): Promise<{ config: { signing_secret_set: boolean; delivering: boolean } }> {
  const res = await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc });
  expect(res.status).toBe(200);
  return (res.json as { result: { config: { signing_secret_set: boolean; delivering: boolean } } }).result;
}

function syslogMessages(sn: TestInstance): string[] {
  return sn.engine.query('syslog', { query: 'sourceSTARTSWITHx_incident_io^ORDERBYsys_created_on' }).records.map((r) => r.values.message ?? '');
}

/** Installs 1.0.0 and configures the push as Connect does; returns the database and the secret. */
async function configuredRelease(name: string, seed?: SeedOption): Promise<{ dbPath: string; push: PushConfig }> {
  const dbPath = path.join(dir, `${name}.db`);
  const old = await start(dbPath, released, seed);
  expect(old.appInstall?.version).toBe('1.0.0');
  expect(old.engine.hasTable('x_incident_io_config')).toBe(false);
  await holdRetryJob(old);
  const push = await configurePush(old, receiver.url);
  // 1.0.0 kept it in the password2 property, encrypted at rest.
  expect(old.engine.getStoredProperty(SECRET_PROPERTY)?.value).not.toContain(push.secret);
  expect(old.engine.getProperty(SECRET_PROPERTY)).toBe(push.secret);
  await stop(old);
  return { dbPath, push };
}

describe('upgrading from 1.0.0', () => {
  it('keeps a configured secret working where gs.getProperty decrypts password2 properties (what 1.0.0 relied on)', async () => {
    const { dbPath, push } = await configuredRelease('decrypting', (s) => seedEdits.setProperty(s, PASSWORD2_GET_DECRYPTS, 'true', 'boolean'));

    const sn = await start(dbPath, DIST_APP);
    expect(sn.appInstall?.inserted).toBeGreaterThan(0);
    expect(sn.engine.hasTable('x_incident_io_config')).toBe(true);
    const sysId = await changeAnIncident(sn, 'After the upgrade: signed with the old secret');
    const delivered = await pushFor(sysId, 'After the upgrade: signed with the old secret');
    expect(() => receiver.verify(delivered, push.secret)).not.toThrow();

    // Moved: the record holds it encrypted, the property is empty, the log says so without the secret.
    const record = sn.engine.query('x_incident_io_config', { query: 'name=default' }).records;
    expect(record).toHaveLength(1);
    expect(record[0]!.values.signing_secret).not.toContain(push.secret);
    expect(sn.engine.decrypt(record[0]!.values.signing_secret!)).toBe(push.secret);
    expect(sn.engine.getProperty(SECRET_PROPERTY)).toBe('');
    const log = syslogMessages(sn);
    expect(log.some((m) => m.includes('moved the signing secret'))).toBe(true);
    expect(log.some((m) => m.includes(push.secret))).toBe(false);
    expect((await health(sn)).config).toMatchObject({ signing_secret_set: true, delivering: true });
    await stop(sn);
  });

  it('where gs.getProperty gives the stored form (the stricter reading), says to set a new secret, and a new one works', async () => {
    const { dbPath, push } = await configuredRelease('strict');

    const sn = await start(dbPath, DIST_APP);
    expect((await health(sn)).config).toMatchObject({ signing_secret_set: false, delivering: false });
    const log = syslogMessages(sn);
    expect(log.some((m) => m.includes('could not be moved to the configuration record') && m.includes('incident-sn connect'))).toBe(true);
    expect(log.some((m) => m.includes(push.secret))).toBe(false);
    expect(sn.engine.getProperty(SECRET_PROPERTY)).toBe('');

    await holdRetryJob(sn);
    const fresh = await configurePush(sn, receiver.url);
    const sysId = await changeAnIncident(sn, 'After reconnecting: signed with the new secret');
    const delivered = await pushFor(sysId, 'After reconnecting: signed with the new secret');
    expect(() => receiver.verify(delivered, fresh.secret)).not.toThrow();
    expect(() => receiver.verify(delivered, push.secret)).toThrow();
    await stop(sn);
  });
});
