import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedEdits } from '../../../src/instance';
import { startTestInstance, USERS, useInstance } from '../../helpers/instance';

describe('a file database across restarts', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'instance-restart-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps records, numbers and tokens, and does not seed again', async () => {
    const dbPath = path.join(dir, 'instance.db');
    const first = await startTestInstance({ dbPath });
    const created = await first.request('POST', '/api/now/table/incident', { body: { short_description: 'survives a restart' } });
    const record = (created.json as { result: { sys_id: string; number: string } }).result;
    expect(record.number).toBe('INC0010013');
    const token = await first.tokens(USERS.svc);
    await first.close();
    expect(fs.existsSync(dbPath)).toBe(true);

    const second = await startTestInstance({ dbPath, seed: (s) => seedEdits.lockUser(s, 'admin') });
    try {
      const read = await second.request('GET', `/api/now/table/incident/${record.sys_id}`, { auth: { bearer: token.access_token }, query: { sysparm_fields: 'short_description' } });
      expect(read.status).toBe(200);
      expect(read.json).toEqual({ result: { short_description: 'survives a restart' } });
      // The seed (here: lock admin) applies to a new database only.
      expect((await second.list('sys_user', { sysparm_query: 'user_name=admin', sysparm_fields: 'locked_out' })).result).toEqual([{ locked_out: 'false' }]);
      expect((await second.list('incident', { sysparm_limit: 1 })).headers.get('x-total-count')).toBe('13');
      const next = await second.request('POST', '/api/now/table/incident', { body: {} });
      expect((next.json as { result: { number: string } }).result.number).toBe('INC0010014');
      const refreshed = await second.tokenRequest({ grant_type: 'refresh_token', client_id: 'incident-io-local', client_secret: 'local-client-secret', refresh_token: token.refresh_token });
      expect(refreshed.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('deletes the temporary database of :memory: on close', async () => {
    const sn = await startTestInstance();
    const file = sn.dbFile;
    expect(fs.existsSync(file)).toBe(true);
    await sn.close();
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('seed overrides per test', () => {
  it('takes a seed file that extends the default seed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-file-'));
    const file = path.join(dir, 'seed.json');
    fs.writeFileSync(file, JSON.stringify({ extends: 'default', users: [{ user_name: 'file.user', password: 'from-file', roles: ['itil'] }] }));
    const sn = await startTestInstance({ seed: file });
    try {
      expect((await sn.list('incident', { sysparm_limit: 1 }, { user: 'file.user', password: 'from-file' })).status).toBe(200);
      expect((await sn.list('incident', { sysparm_limit: 1 }, USERS.itil)).status).toBe(200);
    } finally {
      await sn.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('grants x_incident_io.api_user to the service account once the role exists', async () => {
    const sn = await startTestInstance({ seed: (s) => seedEdits.revokeRole(s, 'svc_incident_io', 'incident_manager') });
    try {
      const roles = async () =>
        (await sn.list('sys_user_has_role', { sysparm_query: 'user.user_name=svc_incident_io', sysparm_fields: 'role.name' })).result.map((r) => r['role.name']);
      expect(await roles()).not.toContain('x_incident_io.api_user');
      expect(await roles()).not.toContain('incident_manager');
      // What installing the app does: create the role.
      expect((await sn.request('POST', '/api/now/table/sys_user_role', { body: { name: 'x_incident_io.api_user' } })).status).toBe(201);
      expect(await roles()).toContain('x_incident_io.api_user');
    } finally {
      await sn.close();
    }
  });
});

describe('fault injection (admin only): /api/now/local/faults', () => {
  const sn = useInstance();
  afterEach(async () => {
    await sn().request('DELETE', '/api/now/local/faults');
  });

  it('is refused to anyone but admin', async () => {
    const res = await sn().request('PUT', '/api/now/local/faults', { auth: USERS.itil, body: { table: { errorRate: 1 } } });
    expect(res.status).toBe(403);
    expect((await sn().request('GET', '/api/now/local/faults', { auth: null })).status).toBe(401);
    expect((await sn().list('incident', { sysparm_limit: 1 })).status).toBe(200);
  });

  it('fails the next N Table API requests with the chosen status', async () => {
    const put = await sn().request('PUT', '/api/now/local/faults', { body: { table: { failNext: 2, errorStatus: 503 } } });
    expect(put.status).toBe(200);
    expect((put.json as { result: { table: { failNext: number } } }).result.table.failNext).toBe(2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await sn().list('incident', { sysparm_limit: 1 })).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('fails every request at errorRate 1, only for the listed tables', async () => {
    await sn().request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 1, errorStatus: 500, tables: ['incident'] } } });
    const failed = await sn().list('incident', { sysparm_limit: 1 });
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ error: { message: 'Injected fault' }, status: 'failure' });
    expect((await sn().list('sys_user', { sysparm_limit: 1 })).status).toBe(200);
  });

  it('adds latency, and keeps outbound settings for the runtime', async () => {
    const put = await sn().request('PUT', '/api/now/local/faults', { body: { table: { latencyMs: 150 }, outbound: { failRate: 0.5, timeoutRate: 0.25 } } });
    expect((put.json as { result: unknown }).result).toEqual({
      table: { latencyMs: 150, errorRate: 0, errorStatus: 500, failNext: 0, tables: [] },
      outbound: { failRate: 0.5, timeoutRate: 0.25 },
    });
    const started = Date.now();
    expect((await sn().list('incident', { sysparm_limit: 1 })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect((await sn().request('GET', '/api/now/local/faults')).json).toMatchObject({ result: { outbound: { failRate: 0.5 } } });
  });

  it('rejects invalid settings with a message naming the field', async () => {
    const res = await sn().request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 2 } } });
    expect(res.status).toBe(400);
    expect((res.json as { error: { detail: string } }).error.detail).toMatch(/^table\.errorRate/);
  });
});
