import crypto from 'node:crypto';
import { CompanionConfigError, startCompanion, type RunningCompanion } from '../../../../src/companion/server';
import { openSqliteStore, Secret, type ConnectionInput, type SqliteCompanionStore } from '../../../../src/companion/store';
import { silentLogger } from '../../../../src/shared/logger';
import { tempDataDir } from '../../../helpers/command-io';
import { closedPort } from '../../../helpers/connect-fixture';
import { postPush, pushBodyFor, signedPush } from '../../../helpers/sync-pushes';

/**
 * The companion's HTTP surface without an instance: the incident API's authentication, validation
 * and error shapes, the webhook's secret rotation, /healthz, and startup refusals. The stored
 * connections point at a closed port, so writes stay queued.
 */

const KEY = 'unit-test-api-key-0123456789';
let data: ReturnType<typeof tempDataDir>;
let store: SqliteCompanionStore;
let companion: RunningCompanion | undefined;
let now: Date;
let instanceUrl: string;
const secrets = [crypto.randomBytes(32).toString('base64'), crypto.randomBytes(32).toString('base64')];

async function connection(overrides: Partial<ConnectionInput> = {}): Promise<void> {
  await store.saveConnection({
    name: 'acme',
    instanceUrl,
    mode: 'realtime',
    clientId: 'c',
    clientSecret: new Secret('s'),
    username: 'svc',
    password: new Secret('p'),
    publicUrl: 'http://127.0.0.1:3000',
    signingSecret: new Secret(secrets[0]!),
    integrationUser: 'svc',
    ...overrides,
  });
}

async function start(options: Parameters<typeof startCompanion>[0] = {}): Promise<RunningCompanion> {
  companion = await startCompanion({ store, port: 0, apiKey: KEY, logger: silentLogger(), shutdownGraceMs: 200, sync: { defaultMetrics: false, clock: () => now, idleMs: 50 }, ...options });
  return companion;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  const res = await fetch(`${companion!.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json as Record<string, unknown> & { error?: { code: string; message: string; details: unknown } } };
}

beforeEach(async () => {
  now = new Date();
  instanceUrl = `http://127.0.0.1:${await closedPort()}`;
  data = tempDataDir();
  store = await openSqliteStore({ file: data.db, env: {} });
});
afterEach(async () => {
  await companion?.close();
  companion = undefined;
  await store.close();
  data.remove();
});

describe('starting', () => {
  it('refuses a non-loopback address without an API key, and a short key', async () => {
    await expect(startCompanion({ store, host: '0.0.0.0', port: 0, apiKey: null, logger: silentLogger() })).rejects.toThrow(CompanionConfigError);
    await expect(startCompanion({ store, host: '0.0.0.0', port: 0, apiKey: null, logger: silentLogger() })).rejects.toThrow(/INCIDENT_SN_API_KEY/);
    await expect(startCompanion({ store, port: 0, apiKey: 'short', logger: silentLogger() })).rejects.toThrow(/too short/);
  });

  it('without a key on loopback, the API is open; close() stops accepting and is idempotent', async () => {
    await connection();
    await start({ apiKey: null, env: {} });
    expect((await call('GET', '/api/incidents', undefined, {})).status).toBe(200);
    const url = companion!.url;
    await companion!.close();
    await companion!.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('the incident API', () => {
  beforeEach(async () => {
    await connection();
    await start();
  });

  it('needs the key: 401 without it or with another', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-key-wrong-key-wrong-key' }, { authorization: KEY }] as Array<Record<string, string>>) {
      const res = await call('GET', '/api/incidents', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.body.error).toEqual({ code: 'unauthorized', message: 'Send the API key as "Authorization: Bearer <key>".', details: null });
    }
  });

  it('declares, reads by id and by reference, lists, changes and adds updates', async () => {
    const created = await call('POST', '/api/incidents', { name: 'Checkout down', severity: 'critical', lead: 'Alice@Example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ reference: 'INC-1', name: 'Checkout down', summary: '', status: 'triage', severity: 'critical', lead: 'alice@example.com', connection: 'acme', servicenow: null, sync: { pending_writes: 1, failed_writes: 0 } });
    const id = String(created.body.id);
    expect((await call('GET', `/api/incidents/${id}`)).body).toMatchObject({ id, updates: [] });
    expect((await call('GET', '/api/incidents/inc-1')).body).toMatchObject({ id });
    const patched = await call('PATCH', `/api/incidents/INC-1`, { status: 'fixing', lead: null });
    expect(patched).toMatchObject({ status: 200, body: { status: 'fixing', lead: null } });
    const update = await call('POST', `/api/incidents/${id}/updates`, { message: 'Rolled back', author: 'Alice' });
    expect(update).toMatchObject({ status: 201, body: { source: 'incident.io', kind: 'update', author: 'Alice', message: 'Rolled back' } });
    await call('POST', '/api/incidents', { name: 'Second', status: 'resolved' });
    const list = await call('GET', '/api/incidents?limit=1');
    expect(list.body).toMatchObject({ incidents: [{ reference: 'INC-2' }], limit: 1, offset: 0 });
    expect((await call('GET', '/api/incidents?status=fixing')).body.incidents).toEqual([expect.objectContaining({ id })]);
  });

  it('refuses invalid input with 400 and every field at fault', async () => {
    const res = await call('POST', '/api/incidents', { severity: 'huge', lead: 'not-an-email', colour: 'red' });
    expect(res.status).toBe(400);
    expect(res.body.error!.code).toBe('validation_failed');
    const paths = (res.body.error!.details as Array<{ path: string }>).map((d) => d.path).sort();
    expect(paths).toEqual(['(body)', 'lead', 'name', 'severity']);
    expect((await call('PATCH', '/api/incidents/INC-1', { name: 'y' })).status).toBe(404);
    await call('POST', '/api/incidents', { name: 'x' });
    const empty = await call('PATCH', '/api/incidents/INC-1', {});
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body.error!.details)).toContain('give at least one of');
    expect((await call('POST', '/api/incidents/INC-1/updates', { message: '   ' })).status).toBe(400);
    expect((await call('GET', '/api/incidents?limit=1000')).status).toBe(400);
  });

  it('answers unknown incidents and routes 404, bad JSON 400, other content types 415, in one error shape', async () => {
    expect((await call('GET', '/api/incidents/INC-404')).body).toEqual({ error: { code: 'not_found', message: 'No incident "INC-404".', details: null } });
    expect((await call('GET', '/api/nothing')).body.error!.code).toBe('not_found');
    const badJson = await call('POST', '/api/incidents', '{"name": ');
    expect([badJson.status, badJson.body.error!.code]).toEqual([400, 'invalid_json']);
    const text = await fetch(`${companion!.url}/api/incidents`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'text/csv' }, body: 'a,b' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
  });

  it('with several connections, asks which; an unknown one is named', async () => {
    await connection({ name: 'beta', instanceUrl: `http://127.0.0.1:${await closedPort()}` });
    const ambiguous = await call('POST', '/api/incidents', { name: 'x' });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatchObject({ code: 'connection_required', details: { connections: ['acme', 'beta'] } });
    expect((await call('POST', '/api/incidents', { name: 'x', connection: 'gamma' })).body.error).toMatchObject({ code: 'unknown_connection' });
    expect((await call('POST', '/api/incidents', { name: 'x', connection: 'beta' })).body).toMatchObject({ connection: 'beta' });
  });

  it('/healthz and /metrics need no key', async () => {
    const health = await call('GET', '/healthz', undefined, {});
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', store: 'ok' } });
    const metrics = await fetch(`${companion!.url}/metrics`);
    expect(await metrics.text()).toContain('# TYPE incident_sn_outbound_queue_depth gauge');
  });
});

describe('without any connection', () => {
  it('declaring says to connect first', async () => {
    await start();
    const res = await call('POST', '/api/incidents', { name: 'x' });
    expect([res.status, res.body.error!.code]).toEqual([409, 'no_connection']);
  });
});

describe('/healthz', () => {
  it('is 503 when the store does not answer', async () => {
    const sync = new Proxy(store.sync, {
      get: (target, prop) => (prop === 'ping' ? async () => Promise.reject(new Error('database is locked')) : Reflect.get(target, prop)),
    });
    const broken = new Proxy(store, { get: (target, prop) => (prop === 'sync' ? sync : Reflect.get(target, prop)) });
    await start({ store: broken });
    const res = await call('GET', '/healthz', undefined, {});
    expect(res).toMatchObject({ status: 503, body: { status: 'unhealthy', store: 'database is locked' } });
  });
});

describe('the webhook and signing secret rotation', () => {
  const record = { sys_id: 'c'.repeat(32), number: 'INC0010099', short_description: 'x' };
  const push = (secret: string) => signedPush(secret, pushBodyFor(record, { sequence: 1, changedFields: ['short_description'] }), { timestampSeconds: Math.floor(now.getTime() / 1000) });

  it('accepts the previous secret for a day after a rotation, then only the current one', async () => {
    await connection();
    await connection({ signingSecret: new Secret(secrets[1]!) });
    await start();
    expect((await postPush(companion!.url, 'acme', push(secrets[1]!))).status).toBe(200);
    expect((await postPush(companion!.url, 'acme', push(secrets[0]!))).status).toBe(200);
    now = new Date(Date.now() + 25 * 60 * 60_000);
    expect((await postPush(companion!.url, 'acme', push(secrets[1]!))).status).toBe(200);
    const old = await postPush(companion!.url, 'acme', push(secrets[0]!));
    expect([old.status, (old.body as { error: { code: string } }).error.code]).toEqual([401, 'signature_mismatch']);
  });

  it('a polling connection receives no pushes (404)', async () => {
    await connection({ mode: 'polling', signingSecret: null });
    await start();
    const res = await postPush(companion!.url, 'acme', push(secrets[0]!));
    expect([res.status, (res.body as { error: { code: string } }).error.code]).toEqual([404, 'unknown_connection']);
  });
});
