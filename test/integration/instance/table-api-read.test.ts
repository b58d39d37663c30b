import { USERS, useInstance, type TestInstance } from '../../helpers/instance';

/** Reads through the Table API, against the default seed (12 incidents, INC0010001 … INC0010012). */
describe('Table API: reading', () => {
  const sn = useInstance();

  const numbers = async (query: string, extra: Record<string, string> = {}): Promise<string[]> => {
    const res = await sn().list('incident', { sysparm_query: query, sysparm_fields: 'number', ...extra });
    expect(res.status).toBe(200);
    return res.result.map((r) => String(r.number).replace('INC00100', ''));
  };
  const sorted = (xs: string[]): string[] => [...xs].sort();
  const sysIdOf = async (instance: TestInstance, number: string): Promise<string> =>
    String((await instance.list('incident', { sysparm_query: `number=${number}`, sysparm_fields: 'sys_id' })).result[0].sys_id);

  it('lists records as {"result": […]} with every value a string', async () => {
    const res = await sn().list('incident');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.result).toHaveLength(12);
    expect(res.headers.get('x-total-count')).toBe('12');
    const leaves = (v: unknown): unknown[] => (v !== null && typeof v === 'object' ? Object.values(v).flatMap(leaves) : [v]);
    const all = res.result.flatMap((r) => leaves(r));
    expect(all.length).toBeGreaterThan(12 * 30);
    expect(all.every((v) => typeof v === 'string')).toBe(true);
    const first = res.result.find((r) => r.number === 'INC0010001')!;
    expect(first).toMatchObject({ priority: '1', impact: '1', active: 'true', sys_mod_count: '0', sys_class_name: 'incident', comments: '', work_notes: '' });
    expect(first.opened_at).toBe('2025-03-03 08:12:00');
  });

  it('answers the same under /api/now/v1/table and /api/now/v2/table', async () => {
    for (const prefix of ['/api/now/v1/table', '/api/now/v2/table']) {
      const res = await sn().request('GET', `${prefix}/incident`, { query: { sysparm_fields: 'number', sysparm_query: 'ORDERBYnumber', sysparm_limit: 2 } });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ result: [{ number: 'INC0010001' }, { number: 'INC0010002' }] });
    }
  });

  it('returns one record by sys_id, and the platform’s 404 for an unknown one', async () => {
    const id = await sysIdOf(sn(), 'INC0010003');
    const res = await sn().request('GET', `/api/now/table/incident/${id}`, { query: { sysparm_fields: 'number,sys_id' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: { number: 'INC0010003', sys_id: id } });
    const missing = await sn().request('GET', `/api/now/table/incident/${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" }, status: 'failure' });
    // A task that is not an incident is not found through /incident.
    const taskRow = await sn().request('POST', '/api/now/table/task', { body: { short_description: 'plain task' } });
    const taskId = (taskRow.json as { result: { sys_id: string } }).result.sys_id;
    expect((await sn().request('GET', `/api/now/table/incident/${taskId}`)).status).toBe(404);
    expect((await sn().request('GET', `/api/now/table/task/${taskId}`)).status).toBe(200);
    expect((await sn().request('DELETE', `/api/now/table/task/${taskId}`)).status).toBe(204);
  });

  it('answers an empty list with 200 {"result": []}', async () => {
    const res = await sn().list('incident', { sysparm_query: 'number=INC0000000' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ result: [] });
    expect(res.headers.get('x-total-count')).toBe('0');
  });

  it('returns sysparm_fields only, dot-walked ones under flat keys, ignoring unknown names', async () => {
    const res = await sn().list('incident', {
      sysparm_query: 'number=INC0010001',
      sysparm_fields: 'number, no_such_field,caller_id.email,assignment_group.manager.user_name,caller_id.no_such',
    });
    expect(res.result).toEqual([{ number: 'INC0010001', 'caller_id.email': 'eve.martin@example.com', 'assignment_group.manager.user_name': 'alice.chen' }]);
  });

  it('shapes references: {link, value} by default, bare sys_id without links, "" when empty', async () => {
    const res = await sn().list('incident', { sysparm_query: 'number=INC0010003', sysparm_fields: 'caller_id,assigned_to' });
    const row = res.result[0] as { caller_id: { link: string; value: string }; assigned_to: string };
    expect(row.assigned_to).toBe('');
    expect(row.caller_id.value).toMatch(/^[0-9a-f]{32}$/);
    expect(row.caller_id.link).toBe(`${sn().url}/api/now/table/sys_user/${row.caller_id.value}`);
    expect(Object.keys(row.caller_id).sort()).toEqual(['link', 'value']);
    const bare = await sn().list('incident', { sysparm_query: 'number=INC0010003', sysparm_fields: 'caller_id', sysparm_exclude_reference_link: 'true' });
    expect(bare.result[0]).toEqual({ caller_id: row.caller_id.value });
  });

  it('sysparm_display_value=true: labels, reference display values, null for an empty choice, journal text', async () => {
    const fields = 'caller_id,state,priority,impact,hold_reason,assigned_to,active,work_notes,sys_mod_count,opened_at';
    const res = await sn().list('incident', { sysparm_query: 'number=INC0010001', sysparm_fields: fields, sysparm_display_value: 'true' });
    const row = res.result[0] as Record<string, unknown>;
    expect(row).toMatchObject({
      caller_id: { display_value: 'Eve Martin', link: expect.stringMatching(/\/api\/now\/table\/sys_user\/[0-9a-f]{32}$/) },
      state: 'In Progress',
      priority: '1 - Critical',
      impact: '1 - High',
      hold_reason: null,
      active: 'true',
      sys_mod_count: '0',
      opened_at: '2025-03-03 08:12:00',
    });
    expect(Object.keys(row.caller_id as object).sort()).toEqual(['display_value', 'link']);
    expect(row.work_notes).toBe('2025-03-03 08:25:00 - Ivy Tillman (Work notes)\nTomcat heap exhausted on lnx-web-01; restarting the service.\n\n');
    const plain = await sn().list('incident', {
      sysparm_query: 'number=INC0010001',
      sysparm_fields: 'caller_id,assigned_to,cmdb_ci',
      sysparm_display_value: 'true',
      sysparm_exclude_reference_link: 'true',
    });
    expect(plain.result[0]).toEqual({ caller_id: 'Eve Martin', assigned_to: 'Ivy Tillman', cmdb_ci: 'tomcat-payments' });
  });

  it('takes choice labels from the record’s class and shows the class by its label', async () => {
    const res = await sn().list('task', { sysparm_query: 'number=INC0010001', sysparm_fields: 'state,sys_class_name', sysparm_display_value: 'true' });
    expect(res.result).toEqual([{ state: 'In Progress', sys_class_name: 'Incident' }]);
  });

  it('sysparm_display_value=all: {display_value, value} for every field, plus link for references', async () => {
    const res = await sn().list('incident', { sysparm_query: 'number=INC0010003', sysparm_fields: 'number,state,caller_id,assigned_to', sysparm_display_value: 'all' });
    const row = res.result[0] as Record<string, Record<string, string>>;
    expect(row.number).toEqual({ display_value: 'INC0010003', value: 'INC0010003' });
    expect(row.state).toEqual({ display_value: 'New', value: '1' });
    expect(row.caller_id).toEqual({ display_value: 'Alice Chen', link: `${sn().url}/api/now/table/sys_user/${row.caller_id.value}`, value: row.caller_id.value });
    expect(row.assigned_to).toEqual({ display_value: '', value: '' });
    const noLink = await sn().list('incident', { sysparm_query: 'number=INC0010003', sysparm_fields: 'caller_id', sysparm_display_value: 'all', sysparm_exclude_reference_link: 'true' });
    expect(Object.keys(noLink.result[0].caller_id as object).sort()).toEqual(['display_value', 'value']);
  });

  it('pages with sysparm_limit/sysparm_offset, X-Total-Count and Link first/prev/next/last', async () => {
    const page = async (offset: number, extra: Record<string, string> = {}) =>
      sn().list('incident', { sysparm_query: 'ORDERBYnumber', sysparm_fields: 'number', sysparm_limit: 5, sysparm_offset: offset, ...extra });
    const rels = (link: string | null): Record<string, string> =>
      Object.fromEntries(
        (link ?? '')
          .split(',')
          .filter(Boolean)
          .map((part) => {
            const m = /^<([^>]+)>;rel="(\w+)"$/.exec(part.trim());
            if (!m) throw new Error(`bad Link part ${part}`);
            return [m[2], new URL(m[1]).searchParams.get('sysparm_offset') ?? ''];
          }),
      );
    const first = await page(0);
    expect(first.result.map((r) => r.number)).toEqual(['INC0010001', 'INC0010002', 'INC0010003', 'INC0010004', 'INC0010005']);
    expect(first.headers.get('x-total-count')).toBe('12');
    expect(rels(first.headers.get('link'))).toEqual({ first: '0', next: '5', last: '10' });
    const link = first.headers.get('link') ?? '';
    expect(link).toContain(`<${sn().url}/api/now/table/incident?`);
    expect(new URL(/<([^>]+)>;rel="next"/.exec(link)![1]).searchParams.get('sysparm_query')).toBe('ORDERBYnumber');
    const middle = await page(5);
    expect(middle.result[0].number).toBe('INC0010006');
    expect(rels(middle.headers.get('link'))).toEqual({ first: '0', prev: '0', next: '10', last: '10' });
    const last = await page(10);
    expect(last.result.map((r) => r.number)).toEqual(['INC0010011', 'INC0010012']);
    expect(rels(last.headers.get('link'))).toEqual({ first: '0', prev: '5', last: '10' });
    const uncounted = await page(0, { sysparm_no_count: 'true' });
    expect(uncounted.headers.get('x-total-count')).toBeNull();
    expect(rels(uncounted.headers.get('link'))).toEqual({ first: '0', next: '5' });
    const suppressed = await page(0, { sysparm_suppress_pagination_header: 'true' });
    expect(suppressed.headers.get('link')).toBeNull();
    expect(suppressed.headers.get('x-total-count')).toBe('12');
  });

  it('defaults sysparm_limit to 10000 (and ignores a limit that is not a number)', async () => {
    const res = await sn().list('sys_choice', { sysparm_fields: 'value', sysparm_limit: 'lots' });
    expect(res.result.length).toBe(Number(res.headers.get('x-total-count')));
    expect(res.result.length).toBeGreaterThan(100);
    expect(res.headers.get('link')).toContain('sysparm_limit=10000');
  });

  it('orders by ORDERBY and ORDERBYDESC, several keys', async () => {
    expect(await numbers('ORDERBYDESCnumber^numberININC0010001,INC0010002,INC0010003')).toEqual(['03', '02', '01']);
    expect(await numbers('stateIN6,7^ORDERBYDESCstate^ORDERBYpriority')).toEqual(['10', '11', '08', '09']);
    expect(await numbers('business_service.name=Payments^ORDERBYDESCnumber')).toEqual(['12', '10', '08', '03', '01']);
  });

  it.each([
    ['priority=1', ['01', '10']],
    ['priority!=4', ['01', '02', '03', '05', '08', '09', '10', '12']],
    ['short_descriptionLIKEpayments', ['01', '10', '12']],
    ['short_descriptionNOT LIKEpayments', ['02', '03', '04', '05', '06', '07', '08', '09', '11']],
    ['short_descriptionSTARTSWITHd', ['03', '06', '12']],
    ['short_descriptionENDSWITHerrors', ['01']],
    ['stateIN6,7', ['08', '09', '10', '11']],
    ['stateNOT IN1,2,3,6,7', ['12']],
    ['priority<3', ['01', '03', '10']],
    ['priority<=3', ['01', '02', '03', '08', '10', '12']],
    ['priority>4', ['05', '09']],
    ['priority>=4', ['04', '05', '06', '07', '09', '11']],
    ['assigned_toISEMPTY', ['03', '04', '05', '12']],
    ['assigned_toISNOTEMPTY', ['01', '02', '06', '07', '08', '09', '10', '11']],
    ['state=2^priority=1', ['01']],
    ['priority=1^ORpriority=5', ['01', '05', '09', '10']],
    ['state=8^NQpriority=1', ['01', '10', '12']],
    ['caller_id.user_name=eve.martin', ['01', '02', '04', '07', '08', '12']],
    ['assignment_group.manager.user_name=alice.chen', ['01', '05', '08', '09', '10', '11', '12']],
    ['cmdb_ci.sys_class_name=cmdb_ci_app_server', ['01', '02', '08', '12']],
    ['cmdb_ci.support_group.name=Database', ['03']],
    ['cmdb_ci.running_on.name=lnx-web-02', ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']],
    ['priorityBETWEEN2@3', ['02', '03', '08', '12']],
    ['opened_bySAMEAScaller_id', ['06']],
    ['opened_byNSAMEAScaller_id', ['01', '02', '03', '04', '05', '07', '08', '09', '10', '11', '12']],
    ['bogus_field=1^priority=1', ['01', '10']],
    ['priorityFOO1', ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']],
  ])('encoded query %s', async (query, expected) => {
    expect(sorted(await numbers(query))).toEqual(expected);
  });

  it('treats ^^ as a literal caret in a value', async () => {
    const created = await sn().request('POST', '/api/now/table/incident', { body: { short_description: 'caret ^ORpriority=1 inside' } });
    const id = (created.json as { result: { sys_id: string; number: string } }).result;
    try {
      const res = await sn().list('incident', { sysparm_query: 'short_description=caret ^^ORpriority=1 inside', sysparm_fields: 'number' });
      expect(res.result).toEqual([{ number: id.number }]);
    } finally {
      await sn().request('DELETE', `/api/now/table/incident/${id.sys_id}`);
    }
  });

  it('returns no rows for an invalid clause when glide.invalid_query.returns_no_rows is true', async () => {
    const prop = await sn().list('sys_properties', { sysparm_query: 'name=glide.invalid_query.returns_no_rows', sysparm_fields: 'sys_id' });
    const id = String(prop.result[0].sys_id);
    await sn().request('PATCH', `/api/now/table/sys_properties/${id}`, { body: { value: 'true' } });
    try {
      expect(await numbers('bogus_field=1^priority=1')).toEqual([]);
      expect(sorted(await numbers('priority=1'))).toEqual(['01', '10']);
    } finally {
      await sn().request('PATCH', `/api/now/table/sys_properties/${id}`, { body: { value: 'false' } });
    }
    expect(sorted(await numbers('bogus_field=1^priority=1'))).toEqual(['01', '10']);
  });

  it('answers an unknown table with 400 "Invalid table", an unknown API path with 400', async () => {
    const table = await sn().request('GET', '/api/now/table/no_such_table');
    expect(table.status).toBe(400);
    expect(table.json).toEqual({ error: { message: 'Invalid table no_such_table', detail: null }, status: 'failure' });
    const path = await sn().request('GET', '/api/now/nothing/here');
    expect(path.status).toBe(400);
    expect(path.json).toEqual({ error: { message: 'Requested URI does not represent any resource', detail: null }, status: 'failure' });
    const method = await sn().request('DELETE', '/api/now/table/incident');
    expect(method.status).toBe(405);
  });

  it('requires authentication: 401 "User Not Authenticated" without or with wrong credentials', async () => {
    const expected = { error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' };
    for (const auth of [null, { user: 'admin', password: 'wrong' }, { bearer: 'not-a-token' }, { header: 'Digest abc' }]) {
      const res = await sn().request('GET', '/api/now/table/incident', { auth });
      expect(res.status).toBe(401);
      expect(res.json).toEqual(expected);
    }
    expect((await sn().request('GET', '/api/now/table/incident', { auth: USERS.itil, query: { sysparm_limit: 1 } })).status).toBe(200);
  });
});
