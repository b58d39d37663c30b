import { seedEdits } from '../../../src/instance';
import { USERS, useInstance, type Credentials, type TestInstance } from '../../helpers/instance';

const NO_ROLES = { user: 'no.roles', password: 'no-roles-pw' };
const CMDB_READER = { user: 'cmdb.reader', password: 'cmdb-reader-pw' };

const TABLE_DENIED = (table: string) => ({ error: { message: 'Insufficient rights to query records', detail: `No permission to read table '${table}'` }, status: 'failure' });
const NOT_FOUND = { error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" }, status: 'failure' };
const OPERATION_DENIED = (verb: string) => ({ error: { message: 'Operation Failed', detail: `ACL Exception ${verb} Failed due to security constraints` }, status: 'failure' });

async function idOf(sn: TestInstance, table: string, query: string): Promise<string> {
  const res = await sn.list(table, { sysparm_query: query, sysparm_fields: 'sys_id', sysparm_limit: 1 });
  const id = res.result[0]?.sys_id;
  if (typeof id !== 'string') throw new Error(`no ${table} matching ${query}`);
  return id;
}

describe('ACLs with the default seed', () => {
  const sn = useInstance({ seed: (s) => seedEdits.addUser(s, { user_name: NO_ROLES.user, password: NO_ROLES.password }) });

  it('lets itil read incidents; a user without roles gets 403 for the table and 404 for a record', async () => {
    expect((await sn().list('incident', {}, USERS.itil)).result).toHaveLength(12);
    const denied = await sn().list('incident', {}, NO_ROLES);
    expect(denied.status).toBe(403);
    expect(denied.json).toEqual(TABLE_DENIED('incident'));
    const id = await idOf(sn(), 'incident', 'number=INC0010001');
    const single = await sn().request('GET', `/api/now/table/incident/${id}`, { auth: NO_ROLES });
    expect(single.status).toBe(404);
    expect(single.json).toEqual(NOT_FOUND);
  });

  it('refuses a query on a field the user may not read, and leaves that field out of results', async () => {
    const res = await sn().list('sys_user', { sysparm_query: 'user_passwordISNOTEMPTY' }, USERS.itil);
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ error: { message: 'Insufficient rights to query records', detail: 'Field(s) present in the query do not have permission to be read' }, status: 'failure' });
    const rows = await sn().list('sys_user', { sysparm_query: 'user_name=admin' }, USERS.itil);
    expect(rows.result[0]).toHaveProperty('user_name', 'admin');
    expect(rows.result[0]).not.toHaveProperty('user_password');
    const asAdmin = await sn().list('sys_user', { sysparm_query: 'user_name=admin' });
    expect(asAdmin.result[0]).toHaveProperty('user_password', '');
  });

  it('filters rows the user may not read out of a list, silently', async () => {
    const all = await sn().list('sys_user_has_role', { sysparm_fields: 'user.user_name' });
    const mine = await sn().list('sys_user_has_role', { sysparm_fields: 'user.user_name' }, USERS.itil);
    expect(mine.status).toBe(200);
    expect(mine.result.length).toBeGreaterThan(0);
    expect(mine.result.length).toBeLessThan(all.result.length);
    expect(new Set(mine.result.map((r) => r['user.user_name']))).toEqual(new Set(['itil.user']));
    // The count is taken before the ACLs filter rows, as on the platform.
    expect(Number(mine.headers.get('x-total-count'))).toBe(all.result.length);
    const someoneElses = await idOf(sn(), 'sys_user_has_role', 'user.user_name=admin');
    expect((await sn().request('GET', `/api/now/table/sys_user_has_role/${someoneElses}`, { auth: USERS.itil })).status).toBe(404);
  });

  it('lets the service account read its own roles the way the companion asks', async () => {
    const token = await sn().tokenFor(USERS.svc);
    const res = await sn().request('GET', '/api/now/table/sys_user_has_role', {
      auth: { bearer: token },
      query: { sysparm_query: 'user.user_name=svc_incident_io', sysparm_fields: 'role.name,inherited' },
    });
    expect(res.status).toBe(200);
    const rows = (res.json as { result: Array<{ 'role.name': string; inherited: string }> }).result;
    const direct = rows.filter((r) => r.inherited === 'false').map((r) => r['role.name']);
    const inherited = new Set(rows.filter((r) => r.inherited === 'true').map((r) => r['role.name']));
    expect(direct.sort()).toEqual(['cmdb_read', 'incident_manager', 'sn_cmdb_user']);
    for (const role of ['itil', 'cmdb_ms_user', 'app_service_user', 'cmdb_query_builder', 'sn_incident_write', 'sn_incident_read', 'snc_platform_rest_api_access']) {
      expect(inherited.has(role)).toBe(true);
    }
    expect(rows.every((r) => Object.keys(r).sort().join() === 'inherited,role.name')).toBe(true);
  });

  it('lets the service account read CIs, services, users and groups (inherited cmdb_ci ACL, sn_cmdb_user)', async () => {
    for (const table of ['cmdb_ci', 'cmdb_ci_service', 'cmdb_ci_server', 'sys_user', 'sys_user_group', 'sys_user_grmember']) {
      const res = await sn().list(table, { sysparm_limit: 1 }, USERS.svc);
      expect([table, res.status]).toEqual([table, 200]);
      expect(res.result.length).toBe(1);
    }
    expect((await sn().list('sys_properties', {}, USERS.svc)).status).toBe(403);
  });

  it('refuses writes the ACLs do not allow, with the platform’s 403 bodies', async () => {
    const insert = await sn().request('POST', '/api/now/table/sys_properties', { auth: USERS.itil, body: { name: 'x', value: 'y' } });
    expect(insert.status).toBe(403);
    expect(insert.json).toEqual(OPERATION_DENIED('Insert'));
    const id = await idOf(sn(), 'incident', 'number=INC0010005');
    const del = await sn().request('DELETE', `/api/now/table/incident/${id}`, { auth: USERS.itil });
    expect(del.status).toBe(403);
    expect(del.json).toEqual(OPERATION_DENIED('Delete'));
    const cmdbWrite = await sn().request('PATCH', `/api/now/table/cmdb_ci/${await idOf(sn(), 'cmdb_ci', 'name=lnx-web-01')}`, { auth: USERS.svc, body: { name: 'renamed' } });
    expect(cmdbWrite.status).toBe(403);
    expect(cmdbWrite.json).toEqual(OPERATION_DENIED('Update'));
    expect((await sn().request('DELETE', `/api/now/table/incident/${id}`, { auth: USERS.itilAdmin })).status).toBe(204);
  });

  it('lets itil create and update incidents but not create tasks (itil_admin can)', async () => {
    const created = await sn().request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'by itil' } });
    expect(created.status).toBe(201);
    const id = (created.json as { result: { sys_id: string } }).result.sys_id;
    expect((await sn().request('PATCH', `/api/now/table/incident/${id}`, { auth: USERS.itil, body: { urgency: '2' } })).status).toBe(200);
    const task = await sn().request('POST', '/api/now/table/task', { auth: USERS.itil, body: { short_description: 'plain task' } });
    expect(task.status).toBe(403);
    expect(task.json).toEqual(OPERATION_DENIED('Insert'));
    expect((await sn().request('POST', '/api/now/table/task', { auth: USERS.itilAdmin, body: { short_description: 'plain task' } })).status).toBe(201);
    expect((await sn().list('task', { sysparm_limit: 1 }, USERS.itil)).status).toBe(200);
  });
});

describe('ACLs: inheritance, deny-unless, admin overrides, field write', () => {
  const sn = useInstance({
    seed: (s) => {
      for (const op of ['read', 'write', 'create', 'delete'] as const) seedEdits.removeAcl(s, 'incident', op);
      seedEdits.addUser(s, { user_name: CMDB_READER.user, password: CMDB_READER.password, roles: ['cmdb_read'] });
      seedEdits.addAcl(s, { name: 'cmdb_ci', operation: 'read', roles: ['itil'], decision_type: 'deny', description: 'Deny unless itil' });
      seedEdits.addAcl(s, { name: 'cmdb_ci_service', operation: 'read', roles: ['cmdb_read'], condition: 'operational_status=1', admin_overrides: false });
      seedEdits.addAcl(s, { name: 'task.short_description', operation: 'write', roles: ['admin'] });
      const email = s.records.find((r) => r.table === 'cmdb_ci_service' && r.values.name === 'Email');
      if (!email) throw new Error('the default seed lost its Email service');
      email.values.operational_status = 2;
    },
  });

  it('applies task ACLs to incidents when incident has none of its own', async () => {
    expect((await sn().list('incident', { sysparm_limit: 1 }, USERS.itil)).status).toBe(200);
    const byItil = await sn().request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'x' } });
    expect(byItil.status).toBe(403);
    expect((await sn().request('POST', '/api/now/table/incident', { auth: USERS.itilAdmin, body: { short_description: 'x' } })).status).toBe(201);
  });

  it('lets a deny-unless ACL win over an allow ACL of the same table', async () => {
    expect((await sn().list('cmdb_ci', { sysparm_limit: 1 }, CMDB_READER)).status).toBe(403);
    expect((await sn().list('cmdb_ci', { sysparm_limit: 1 }, USERS.svc)).status).toBe(200);
  });

  it('holds admin to a condition when admin overrides is off', async () => {
    const names = async (auth: Credentials = USERS.admin) => (await sn().list('cmdb_ci_service', { sysparm_fields: 'name' }, auth)).result.map((r) => r.name).sort();
    expect(await names()).toEqual(['Customer Portal', 'Payments']);
    expect(await names(USERS.svc)).toEqual(['Customer Portal', 'Payments']);
    const email = await sn().request('GET', `/api/now/table/cmdb_ci/${await idOf(sn(), 'cmdb_ci', 'name=Email')}`);
    expect(email.status).toBe(200);
    const emailAsService = await sn().request('GET', `/api/now/table/cmdb_ci_service/${await idOf(sn(), 'cmdb_ci', 'name=Email')}`);
    expect(emailAsService.status).toBe(404);
  });

  it('silently skips fields the user may not write', async () => {
    const id = await idOf(sn(), 'incident', 'number=INC0010002');
    const res = await sn().request('PATCH', `/api/now/table/incident/${id}`, { auth: USERS.itilAdmin, body: { short_description: 'changed?', urgency: '1' } });
    expect(res.status).toBe(200);
    expect((res.json as { result: Record<string, string> }).result).toMatchObject({ short_description: 'Customer portal slow to load', urgency: '1' });
    const asAdmin = await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { short_description: 'changed by admin' } });
    expect((asAdmin.json as { result: Record<string, string> }).result.short_description).toBe('changed by admin');
  });
});
