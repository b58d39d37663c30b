import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedEdits, type SeedOption } from '../../../src/instance';
import { readAppBuildDir } from '../../../src/instance/app/app-build';
import { PASSWORD2_GET_DECRYPTS } from '../../../src/instance/runtime/glide/gs';
import { APP_API, configurePush, holdRetryJob, RETRY_JOB, setProperty, type PushConfig } from '../../helpers/app-instance';
import { closedPort } from '../../helpers/connect-fixture';
import { APP_VERSION } from '../../../src/server/lib/constants';
import { orderKey } from '../../../src/server/lib/ordering';
import { SCHEMA_VERSION, type PushEvent } from '../../../src/server/contract/push-event';
import { buildIncidentSnapshot, DEFERRED_LOOKUP } from '../../../src/server/lib/payload';
import { glideToIso } from '../../../src/server/lib/time';
import { recordOf } from '../../helpers/fake-glide';
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

const OUTBOX = 'x_incident_io_outbound_event';

/** Inserts an incident.updated event for the incident into the outbox through the Table API, as an app admin. */
async function queueByHand(sn: TestInstance, incidentSysId: string): Promise<{ sys_id: string; event_id: string }> {
  const res = await sn.request('GET', `/api/now/table/incident/${incidentSysId}`, { query: { sysparm_exclude_reference_link: true } });
  const values = (res.json as { result: Record<string, string> }).result;
  const event: PushEvent = {
    schema_version: SCHEMA_VERSION,
    event_id: randomBytes(16).toString('hex'),
    type: 'incident.updated',
    occurred_at: glideToIso(values.sys_updated_on),
    instance: sn.engine.getProperty('instance_name') ?? '',
    sequence: Number(values.sys_mod_count),
    changed_fields: ['short_description'],
    incident: buildIncidentSnapshot(recordOf(values), DEFERRED_LOOKUP),
  };
  const inserted = await sn.request('POST', `/api/now/table/${OUTBOX}`, {
    body: {
      event_id: event.event_id,
      event_type: event.type,
      incident: incidentSysId,
      incident_sys_id: incidentSysId,
      incident_number: values.number,
      sequence: event.sequence,
      order_key: orderKey(event.sequence, event.type, Date.now()),
      payload: JSON.stringify(event),
      state: 'queued',
      attempts: 0,
    },
  });
  expect(inserted.status).toBe(201);
  return { sys_id: (inserted.json as { result: { sys_id: string } }).result.sys_id, event_id: event.event_id };
}

describe(`${APP_VERSION} over 1.0.0, and uninstalling`, () => {
  it('keeps the properties the customer changed and the events still queued, and sends those events; uninstalling then leaves none of the app behind', async () => {
    const dbPath = path.join(dir, 'keep.db');
    const old = await start(dbPath, released, (s) => seedEdits.setProperty(s, PASSWORD2_GET_DECRYPTS, 'true', 'boolean'));
    expect(old.appInstall?.version).toBe('1.0.0');
    await holdRetryJob(old);
    // Nothing listens there: the change's event fails and stays in the outbox, owed.
    const push = await configurePush(old, `http://127.0.0.1:${await closedPort()}/webhooks/servicenow/acme`);
    await setProperty(old, 'x_incident_io.max_attempts', '20');
    await setProperty(old, 'x_incident_io.retention_days', '30');
    // 1.0.0's queueing rule reads labels with GlideRecord.getDisplayValue(name), which a scoped script
    // may not call (the local instance refuses it as the platform does), so here the event owed to
    // incident.io is queued as an app admin may: a row inserted into the outbox; 1.0.0's async rule
    // tries to send it and it fails. What matters is that the upgrade keeps that row and sends it.
    const sysId = await changeAnIncident(old, 'Queued under 1.0.0');
    const owed = await queueByHand(old, sysId);
    await waitFor(async () => (await old.list(OUTBOX, { sysparm_query: `sys_id=${owed.sys_id}^state=failed`, sysparm_fields: 'sys_id' })).result[0], {
      message: 'the 1.0.0 event to fail',
      timeoutMs: 20_000,
    });
    await stop(old);

    const sn = await start(dbPath, DIST_APP);
    expect(sn.appInstall).toMatchObject({ version: APP_VERSION, previousVersion: '1.0.0' });
    expect(sn.engine.getProperty('x_incident_io.max_attempts')).toBe('20');
    expect(sn.engine.getProperty('x_incident_io.retention_days')).toBe('30');
    expect(sn.engine.getProperty('x_incident_io.webhook_url')).toBe(push.webhookUrl);
    // Not changed by the customer: follows the build.
    expect(sn.engine.getProperty('x_incident_io.retry_base_seconds')).toBe('30');
    const kept = sn.engine.get(OUTBOX, owed.sys_id as string)!.values;
    expect(kept).toMatchObject({ event_id: owed.event_id, state: 'failed', attempts: '1' });

    // Pointed at a receiver (the secret moved with the upgrade), the retry job sends the event queued under 1.0.0.
    await holdRetryJob(sn);
    const res = await sn.request('PUT', `${APP_API}/config`, { auth: USERS.svc, body: { webhook_url: receiver.url } });
    expect(res.status).toBe(200);
    sn.engine.update(OUTBOX, owed.sys_id as string, { next_attempt_at: '2000-01-01 00:00:00' }, { session: sn.engine.systemSession(), runBusinessRules: false });
    await sn.scheduler!.runNow(RETRY_JOB);
    const delivered = await pushFor(sysId, 'Queued under 1.0.0');
    expect(delivered.event.event_id).toBe(owed.event_id);
    expect(() => receiver.verify(delivered, push.secret)).not.toThrow();

    // Uninstall, as now-sdk install --reinstall asks it.
    const scopeId = sn.appInstall!.scopeId;
    const form = new URLSearchParams({ sysparm_processor: 'com.snc.apps.AppsAjaxProcessor', sysparm_function: 'uninstallApplication', sysparm_sys_id: scopeId });
    const un = await fetch(`${sn.url}/xmlhttp.do`, { method: 'POST', headers: { authorization: sn.basic(USERS.admin), 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(un.status).toBe(200);

    const leftovers: string[] = [];
    const tables = sn.engine.query('sys_db_object', { session: sn.engine.systemSession() }).records.map((r) => r.values.name ?? '').filter((t) => t && sn.engine.hasTable(t));
    for (const table of tables) {
      if (!sn.engine.tableMeta(table).columns.has('sys_scope')) continue;
      const n = sn.engine.count(table, `sys_scope=${scopeId}`);
      if (n > 0) leftovers.push(`${table}: ${n}`);
    }
    expect(leftovers).toEqual([]);
    expect(sn.engine.hasTable(OUTBOX)).toBe(false);
    expect(sn.engine.hasTable('x_incident_io_config')).toBe(false);
    expect(sn.engine.count('sys_properties', 'nameSTARTSWITHx_incident_io.')).toBe(0);
    expect(sn.engine.count('sys_user_role', 'nameSTARTSWITHx_incident_io.')).toBe(0);
    // Every record of both builds is gone (the task ACLs among them; the platform's own task ACLs stay).
    const survivors = [...readAppBuildDir(DIST_APP).records, ...readAppBuildDir(released).records]
      .filter((r) => r.action !== 'delete_multiple' && sn.engine.hasTable(r.table) && sn.engine.get(r.table, r.sysId) !== null)
      .map((r) => `${r.table} ${r.sysId}`);
    expect(survivors).toEqual([]);
    expect(sn.engine.count('sys_script', 'nameLIKEincident.io')).toBe(0);
    expect(sn.engine.count('sysauto_script', 'nameLIKEincident.io')).toBe(0);
    expect(sn.engine.count('sys_ui_action', 'nameINResend,Send test event')).toBe(0);
    expect(sn.engine.count('sys_app_module', 'query=x_incident_io_status.do')).toBe(0);
    expect(sn.engine.sessionForUser(USERS.svc.user)?.roles.has('x_incident_io.api_user')).toBe(false);
    // The incidents it pushed are the customer's: they stay.
    expect(sn.engine.get('incident', sysId)).not.toBeNull();
    await stop(sn);
  });
});
