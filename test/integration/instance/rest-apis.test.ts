import { seedEdits } from '../../../src/instance';
import { DIST_APP } from '../../helpers/build';
import { startTestInstance, USERS, useInstance, type TestInstance } from '../../helpers/instance';

const NO_ROLES = { user: 'no.roles', password: 'no-roles-pw' };

type Row = Record<string, unknown>;

async function incidentId(sn: TestInstance, number: string): Promise<string> {
  const res = await sn.list('incident', { sysparm_query: `number=${number}`, sysparm_fields: 'sys_id' });
  return String(res.result[0]?.sys_id);
}

async function firstServerId(sn: TestInstance): Promise<string> {
  const res = await sn.list('cmdb_ci_server', { sysparm_fields: 'sys_id', sysparm_limit: 1 });
  return String(res.result[0]?.sys_id);
}

describe('Table API formats, filters and fields', () => {
  const sn = useInstance();

  it('refuses a body without a JSON or XML Content-Type with 415, and accepts an empty PATCH without one', async () => {
    const res = await sn().request('POST', '/api/now/table/incident', { body: '{"short_description":"x"}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.json).toEqual({
      error: { message: 'Unsupported Media Type', detail: "Content-Type 'application/x-www-form-urlencoded' is not supported; send application/json or application/xml" },
      status: 'failure',
    });
    const id = await incidentId(sn(), 'INC0010001');
    const empty = await sn().request('PATCH', `/api/now/table/incident/${id}`);
    expect(empty.status).toBe(200);
    const vendorJson = await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: '{}', headers: { 'content-type': 'application/vnd.example+json' } });
    expect(vendorJson.status).toBe(200);
  });

  it('answers errors in XML when XML is asked for, and picks the format by quality', async () => {
    const missing = await sn().request('GET', `/api/now/table/incident/${'0'.repeat(32)}`, { headers: { accept: 'application/xml' } });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<response><error><message>No Record found</message>');
    const ranked = await sn().request('GET', '/api/now/table/incident', { headers: { accept: 'application/xml;q=0.5, application/json' }, query: { sysparm_limit: 1 } });
    expect(ranked.headers.get('content-type')).toContain('application/json');
    const anything = await sn().request('GET', '/api/now/table/incident', { headers: { accept: '*/*' }, query: { sysparm_limit: 1 } });
    expect(anything.headers.get('content-type')).toContain('application/json');
    const xmlOnly = await sn().request('GET', '/api/now/table/incident', { headers: { accept: 'text/xml' }, query: { sysparm_limit: 2, sysparm_fields: 'number' } });
    expect(xmlOnly.text.match(/<result>/g)).toHaveLength(2);
  });

  it('answers malformed XML with 400 and escapes values in XML answers', async () => {
    const bad = await sn().request('POST', '/api/now/table/incident', { body: '<request><entry><short_description>x</entry>', headers: { 'content-type': 'application/xml' } });
    expect(bad.status).toBe(400);
    const created = await sn().request('POST', '/api/now/table/incident', {
      body: '<request><entry><short_description>a &lt;b&gt; &amp; c</short_description></entry></request>',
      headers: { 'content-type': 'text/xml', accept: 'application/xml' },
    });
    expect(created.status).toBe(201);
    expect(created.text).toContain('<short_description>a &lt;b&gt; &amp; c</short_description>');
  });

  it('applies name-value filters by reference display value, together with sysparm_query', async () => {
    const caller = await sn().list('incident', { sysparm_query: 'number=INC0010001', sysparm_fields: 'caller_id', sysparm_display_value: 'true', sysparm_exclude_reference_link: 'true' });
    const callerName = String(caller.result[0]?.caller_id);
    const all = await sn().list('incident', { caller_id: callerName, sysparm_fields: 'number' });
    expect(all.result.length).toBeGreaterThan(0);
    const narrowed = await sn().list('incident', { caller_id: callerName, sysparm_query: 'number=INC0010001', sysparm_fields: 'number' });
    expect(narrowed.result).toEqual([{ number: 'INC0010001' }]);
    const ignored = await sn().list('incident', { not_a_field: 'x', sysparm_fields: 'number' });
    const unfiltered = await sn().list('incident', { sysparm_fields: 'number' });
    expect(ignored.result).toEqual(unfiltered.result);
  });

  it('keeps incident_state and state in step, whichever is written', async () => {
    const id = await incidentId(sn(), 'INC0010001');
    const byState = await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { state: '3', hold_reason: '1' } });
    expect(byState.json).toMatchObject({ result: { state: '3', incident_state: '3' } });
    const byIncidentState = await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { incident_state: '2' } });
    expect(byIncidentState.json).toMatchObject({ result: { state: '2', incident_state: '2' } });
  });

  it('leaves the created/updated fields empty on an insert with sysparm_suppress_auto_sys_field', async () => {
    const res = await sn().request('POST', '/api/now/table/incident', { body: { short_description: 'no sys fields' }, query: { sysparm_suppress_auto_sys_field: 'true' } });
    expect(res.status).toBe(201);
    expect((res.json as { result: Row }).result).toMatchObject({ sys_created_on: '', sys_created_by: '', sys_updated_on: '', sys_mod_count: '0' });
  });
});

describe('Aggregate API', () => {
  const sn = useInstance({ seed: (s) => seedEdits.addUser(s, { user_name: NO_ROLES.user, password: NO_ROLES.password }) });

  it('counts for a reader, refuses a user who may not read the table, and names bad parameters', async () => {
    const itil = await sn().request('GET', '/api/now/v1/stats/incident', { auth: USERS.itil, query: { sysparm_count: 'true', active: 'true' } });
    expect(itil.status).toBe(200);
    const active = await sn().list('incident', { sysparm_query: 'active=true', sysparm_fields: 'sys_id' });
    expect(itil.json).toEqual({ result: { stats: { count: String(active.result.length) } } });
    const denied = await sn().request('GET', '/api/now/stats/incident', { auth: NO_ROLES, query: { sysparm_count: 'true' } });
    expect(denied.status).toBe(403);
    const badField = await sn().request('GET', '/api/now/stats/incident', { query: { sysparm_avg_fields: 'nope' } });
    expect(badField.status).toBe(400);
    expect(badField.json).toMatchObject({ error: { message: 'Invalid field nope' } });
    const badHaving = await sn().request('GET', '/api/now/stats/incident', { query: { sysparm_group_by: 'state', sysparm_having: 'median^impact^>^1' } });
    expect(badHaving.status).toBe(400);
    const unknownTable = await sn().request('GET', '/api/now/stats/no_such_table');
    expect(unknownTable.status).toBe(400);
  });

  it('refuses with 403 when a read ACL hides some of the selected records', async () => {
    const restricted = await startRestricted();
    try {
      const res = await restricted.request('GET', '/api/now/stats/incident', { auth: USERS.itil, query: { sysparm_count: 'true' } });
      expect(res.status).toBe(403);
      const visible = await restricted.request('GET', '/api/now/stats/incident', { auth: USERS.itil, query: { sysparm_count: 'true', active: 'true' } });
      expect(visible.status).toBe(200);
    } finally {
      await restricted.close();
    }
  });

  it('shows group values as display values when asked', async () => {
    const res = await sn().request('GET', '/api/now/stats/incident', { query: { sysparm_count: 'true', sysparm_group_by: 'priority', sysparm_display_value: 'all' } });
    const groups = (res.json as { result: Array<{ groupby_fields: Array<{ field: string; value: string; display_value: string }> }> }).result;
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(g.groupby_fields[0].display_value).toMatch(/^\d - /);
  });
});

async function startRestricted(): Promise<TestInstance> {
  return startTestInstance({
    seed: (s) => seedEdits.addAcl(seedEdits.removeAcl(s, 'incident', 'read'), { name: 'incident', operation: 'read', roles: ['itil'], condition: 'active=true' }),
  });
}

describe('Attachment API access', () => {
  const sn = useInstance({ seed: (s) => seedEdits.addUser(s, { user_name: NO_ROLES.user, password: NO_ROLES.password }) });

  async function attach(table: string, sysId: string, auth = USERS.admin as typeof USERS.admin | typeof USERS.itil | typeof NO_ROLES) {
    return sn().request('POST', '/api/now/attachment/file', {
      auth,
      body: Buffer.from('hello'),
      headers: { 'content-type': 'text/plain' },
      query: { table_name: table, table_sys_id: sysId, file_name: 'hello.txt' },
    });
  }

  it('follows the parent record: a reader reads, a user without read access sees nothing, a user without write access cannot attach', async () => {
    const incident = await incidentId(sn(), 'INC0010002');
    const created = await attach('incident', incident, USERS.itil);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/\/api\/now\/attachment\/[0-9a-f]{32}$/);
    const meta = (created.json as { result: Record<string, string> }).result;
    expect(meta.sys_created_by).toBe('itil.user');

    expect((await sn().request('GET', `/api/now/attachment/${meta.sys_id}`, { auth: USERS.itil })).status).toBe(200);
    expect((await sn().request('GET', `/api/now/attachment/${meta.sys_id}/file`, { auth: NO_ROLES })).status).toBe(404);
    const listed = await sn().request('GET', '/api/now/attachment', { auth: NO_ROLES });
    expect((listed.json as { result: unknown[] }).result).toEqual([]);
    expect((await sn().request('DELETE', `/api/now/attachment/${meta.sys_id}`, { auth: NO_ROLES })).status).toBe(404);

    const server = await firstServerId(sn());
    const refused = await attach('cmdb_ci_server', server, USERS.itil);
    expect(refused.status).toBe(403);
    expect((await attach('incident', incident, NO_ROLES)).status).toBe(404);
  });

  it('names missing parameters and unknown tables, and keeps the bytes exactly', async () => {
    const missing = await sn().request('POST', '/api/now/attachment/file', { body: Buffer.from('x'), headers: { 'content-type': 'text/plain' }, query: { table_name: 'incident' } });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: { message: 'Missing parameter: table_sys_id' } });
    expect((await attach('no_such_table', '0'.repeat(32))).status).toBe(400);
    const incident = await incidentId(sn(), 'INC0010003');
    const bytes = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
    const created = await sn().request('POST', '/api/now/attachment/file', {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
      query: { table_name: 'incident', table_sys_id: incident, file_name: 'bytes.bin' },
    });
    const meta = (created.json as { result: Record<string, string> }).result;
    const file = await fetch(`${sn().url}/api/now/attachment/${meta.sys_id}/file`, { headers: { authorization: sn().basic(USERS.admin) } });
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    expect(JSON.parse(file.headers.get('x-attachment-metadata') ?? '{}')).toMatchObject({ sys_id: meta.sys_id, size_bytes: '7' });
  });
});

describe('storage errors', () => {
  it('answers a duplicate in a unique index with the platform’s 403, not a 500', async () => {
    const sn = await startTestInstance({ app: DIST_APP });
    try {
      const event = { event_id: 'e'.repeat(32), event_type: 'incident.created', incident_sys_id: 'x', sequence: 0, order_key: 'k', payload: '{}', state: 'dead' };
      expect((await sn.request('POST', '/api/now/table/x_incident_io_outbound_event', { body: event })).status).toBe(201);
      const duplicate = await sn.request('POST', '/api/now/table/x_incident_io_outbound_event', { body: { ...event, order_key: 'other' } });
      expect(duplicate.status).toBe(403);
      expect(duplicate.json).toEqual({
        error: { message: 'Operation Failed', detail: `Error during insert of x_incident_io_outbound_event (${'e'.repeat(32)})` },
        status: 'failure',
      });
      const other = await sn.request('POST', '/api/now/table/x_incident_io_outbound_event', { body: { ...event, event_id: 'f'.repeat(32) } });
      const sysId = (other.json as { result: { sys_id: string } }).result.sys_id;
      const clash = await sn.request('PATCH', `/api/now/table/x_incident_io_outbound_event/${sysId}`, { body: { event_id: 'e'.repeat(32) } });
      expect(clash.status).toBe(403);
      expect(clash.json).toMatchObject({ error: { detail: `Error during update of x_incident_io_outbound_event (${'e'.repeat(32)})` } });
      expect((await sn.list('x_incident_io_outbound_event', { sysparm_fields: 'event_id' })).result).toHaveLength(2);
    } finally {
      await sn.close();
    }
  }, 60_000);
});
