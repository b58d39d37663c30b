import { Writable } from 'node:stream';
import pino from 'pino';
import { startTestInstance, useInstance, type TestInstance } from '../../helpers/instance';

type Result = { result: Record<string, unknown> };
const resultOf = (json: unknown): Record<string, unknown> => (json as Result).result;

describe('Table API: writing', () => {
  const sn = useInstance();

  const create = async (body: unknown, query: Record<string, string> = {}): Promise<Record<string, unknown>> => {
    const res = await sn().request('POST', '/api/now/table/incident', { body, query });
    expect(res.status).toBe(201);
    return resultOf(res.json);
  };

  it('POST creates one record: 201, Location, the record with defaults and the next number', async () => {
    const res = await sn().request('POST', '/api/now/table/incident', { body: { short_description: 'Created over REST' } });
    expect(res.status).toBe(201);
    const record = resultOf(res.json);
    expect(res.headers.get('location')).toBe(`${sn().url}/api/now/table/incident/${record.sys_id}`);
    expect(record).toMatchObject({
      number: 'INC0010013',
      short_description: 'Created over REST',
      impact: '3',
      urgency: '3',
      priority: '5',
      state: '1',
      active: 'true',
      sys_mod_count: '0',
      sys_created_by: 'admin',
      sys_class_name: 'incident',
    });
    expect(record.opened_by).toEqual({ link: expect.stringContaining('/api/now/table/sys_user/'), value: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const v2 = await sn().request('POST', '/api/now/v2/table/incident', { body: {} });
    expect(v2.headers.get('location')).toBe(`${sn().url}/api/now/v2/table/incident/${resultOf(v2.json).sys_id}`);
  });

  it('computes priority from impact and urgency', async () => {
    expect((await create({ impact: '1', urgency: '2' })).priority).toBe('2');
    expect((await create({ impact: 2, urgency: 3, priority: 1 })).priority).toBe('4');
  });

  it('X-no-response-body: true suppresses the body of POST and PATCH', async () => {
    const post = await sn().request('POST', '/api/now/table/incident', { body: { short_description: 'quiet' }, headers: { 'X-no-response-body': 'true' } });
    expect(post.status).toBe(201);
    expect(post.text).toBe('');
    const location = post.headers.get('location') ?? '';
    expect(location).toMatch(/\/api\/now\/table\/incident\/[0-9a-f]{32}$/);
    const patch = await sn().request('PATCH', new URL(location).pathname, { body: { short_description: 'still quiet' }, headers: { 'X-no-response-body': 'true' } });
    expect(patch.status).toBe(200);
    expect(patch.text).toBe('');
    const read = await sn().request('GET', new URL(location).pathname, { query: { sysparm_fields: 'short_description' } });
    expect(read.json).toEqual({ result: { short_description: 'still quiet' } });
  });

  it('PATCH reads the metadata version once per request, and the user’s row only after sys_user changed', async () => {
    const id = String((await create({ short_description: 'checked' })).sys_id);
    const reads = sn().engine.stats.metadataVersionReads;
    const userReads = jest.spyOn(sn().engine.lookups, 'userLoginByName');
    try {
      const patched = await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { short_description: 'checked once' } });
      expect(patched.status).toBe(200);
      expect(resultOf(patched.json).short_description).toBe('checked once');
      expect(sn().engine.stats.metadataVersionReads - reads).toBe(1);
      expect(userReads).not.toHaveBeenCalled();
    } finally {
      userReads.mockRestore();
    }
  });

  it('PATCH and PUT update: sys_mod_count, sys_updated_*; a change to nothing writes nothing', async () => {
    const record = await create({ short_description: 'v1' });
    const id = String(record.sys_id);
    const patched = resultOf((await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { short_description: 'v2' } })).json);
    expect(patched).toMatchObject({ short_description: 'v2', sys_mod_count: '1', sys_updated_by: 'admin' });
    const put = await sn().request('PUT', `/api/now/table/incident/${id}`, { body: { urgency: '1' } });
    expect(put.status).toBe(200);
    expect(resultOf(put.json)).toMatchObject({ short_description: 'v2', urgency: '1', priority: '3', sys_mod_count: '2' });
    const same = resultOf((await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { short_description: 'v2', unknown_field: 'x' } })).json);
    expect(same.sys_mod_count).toBe('2');
    expect(same.sys_updated_on).toBe(resultOf(put.json).sys_updated_on);
  });

  it('DELETE answers 204 with no body; the record is gone', async () => {
    const id = String((await create({})).sys_id);
    const res = await sn().request('DELETE', `/api/now/table/incident/${id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await sn().request('GET', `/api/now/table/incident/${id}`)).status).toBe(404);
    const again = await sn().request('DELETE', `/api/now/table/incident/${id}`);
    expect(again.status).toBe(404);
    expect(again.json).toEqual({ error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" }, status: 'failure' });
    expect((await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { short_description: 'x' } })).status).toBe(404);
  });

  it('answers malformed JSON with 400 "Exception while reading request"', async () => {
    for (const body of ['{"short_description": "unterminated', '[]', '"just a string"']) {
      const res = await sn().request('POST', '/api/now/table/incident', { body });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { message: 'Exception while reading request' }, status: 'failure' });
    }
    const bad = await sn().request('PATCH', `/api/now/table/incident/${'a'.repeat(32)}`, { body: '{nope' });
    expect((bad.json as { error: { detail: string } }).error.detail).toMatch(/^Cannot decode/);
  });

  it('rejects a body over 10 MiB with the platform’s message, and accepts one of exactly 10 MiB', async () => {
    const limit = 10 * 1024 * 1024;
    const wrap = (size: number): string => {
      const head = '{"padding":"';
      return `${head}${'x'.repeat(size - head.length - 2)}"}`;
    };
    const tooBig = wrap(limit + 1);
    const res = await sn().request('POST', '/api/now/table/incident', { body: tooBig });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { message: 'Exception while reading request', detail: `Rejected large REST payload with content-length = ${limit + 1} bytes. Max allowed: ${limit} bytes.` },
      status: 'failure',
    });
    const fits = await sn().request('POST', '/api/now/table/incident', { body: wrap(limit), headers: { 'X-no-response-body': 'true' } });
    expect(fits.status).toBe(201);
  });

  it('journal fields append sys_journal_field rows; read back "" or, with display values, the entries', async () => {
    const record = await create({ short_description: 'journal', work_notes: 'first note', comments: 'visible comment' });
    const id = String(record.sys_id);
    expect(record.work_notes).toBe('');
    expect(record.comments).toBe('');
    await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { work_notes: 'second note' } });
    const rows = await sn().list('sys_journal_field', { sysparm_query: `element_id=${id}^ORDERBYsys_created_on`, sysparm_fields: 'element,element_id,name,value,sys_created_by,sys_created_on' });
    expect(rows.result.map((r) => [r.element, r.name, r.value, r.sys_created_by, r.element_id])).toEqual(
      expect.arrayContaining([
        ['work_notes', 'incident', 'first note', 'admin', id],
        ['comments', 'incident', 'visible comment', 'admin', id],
        ['work_notes', 'incident', 'second note', 'admin', id],
      ]),
    );
    expect(rows.result).toHaveLength(3);
    const shown = await sn().request('GET', `/api/now/table/incident/${id}`, { query: { sysparm_fields: 'work_notes,comments', sysparm_display_value: 'true' } });
    const { work_notes, comments } = resultOf(shown.json) as { work_notes: string; comments: string };
    const stamp = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}';
    expect(work_notes.endsWith('\n\n')).toBe(true);
    const entries = work_notes.split('\n\n').filter(Boolean);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatch(new RegExp(`^${stamp} - System Administrator \\(Work notes\\)\nsecond note$`));
    expect(entries[1]).toMatch(new RegExp(`^${stamp} - System Administrator \\(Work notes\\)\nfirst note$`));
    expect(comments).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} - System Administrator \(Additional comments\)\nvisible comment\n\n$/);
  });

  it('closing sets active=false, closed_at and closed_by; resolving needs resolution code and notes', async () => {
    const id = String((await create({ short_description: 'to close' })).sys_id);
    const refused = await sn().request('PATCH', `/api/now/table/incident/${id}`, { body: { state: '6' } });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({
      error: { message: 'Operation Failed', detail: 'Data Policy Exception: The following fields are mandatory: Resolution code, Resolution notes' },
      status: 'failure',
    });
    const closed = await sn().request('PATCH', `/api/now/table/incident/${id}`, {
      body: { state: '7', close_code: 'Solution provided', close_notes: 'Fixed it' },
      query: { sysparm_display_value: 'all' },
    });
    expect(closed.status).toBe(200);
    const r = resultOf(closed.json) as Record<string, { display_value: string; value: string }>;
    expect(r.active.value).toBe('false');
    expect(r.state).toEqual({ display_value: 'Closed', value: '7' });
    expect(r.closed_at.value).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(r.closed_by.display_value).toBe('System Administrator');
  });

  it('sysparm_input_display_value takes references and choices by display value', async () => {
    const record = await create({ caller_id: 'Eve Martin', state: 'In Progress', impact: '1 - High', assignment_group: 'Network' }, { sysparm_input_display_value: 'true', sysparm_display_value: 'true', sysparm_exclude_reference_link: 'true' });
    expect(record).toMatchObject({ caller_id: 'Eve Martin', state: 'In Progress', impact: '1 - High', priority: '3 - Moderate', assignment_group: 'Network' });
  });
});

describe('Table API: business rules abort with the platform’s 403; bugs answer 500', () => {
  let sn: TestInstance;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    sn = await startTestInstance({
      logger: pino({ level: 'debug' }, sink),
      hooks: {
        businessRules: {
          before: (event) => {
            if (event.current.values.short_description === 'explode') throw new Error('a bug in a hook');
            return event.operation === 'insert' && event.current.values.short_description === 'forbidden'
              ? { abort: true, ruleName: 'No forbidden incidents', ruleSysId: 'f'.repeat(32) }
              : undefined;
          },
          after: () => undefined,
          hasAsync: () => false,
        },
      },
    });
  });
  afterAll(() => sn.close());

  it('answers 403 Operation Failed with the rule in the detail, and writes nothing', async () => {
    const before = (await sn.list('incident', { sysparm_limit: 1 })).headers.get('x-total-count');
    const res = await sn.request('POST', '/api/now/table/incident', { body: { short_description: 'forbidden' } });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: {
        message: 'Operation Failed',
        detail: `Operation against file 'incident' was aborted by Business Rule 'No forbidden incidents^${'f'.repeat(32)}'. Business Rule Stack:No forbidden incidents`,
      },
      status: 'failure',
    });
    expect((await sn.list('incident', { sysparm_limit: 1 })).headers.get('x-total-count')).toBe(before);
    expect((await sn.request('POST', '/api/now/table/incident', { body: { short_description: 'fine' } })).status).toBe(201);
  });

  it('answers an unexpected error with 500 and the error shape, logs it, and keeps serving', async () => {
    const res = await sn.request('POST', '/api/now/table/incident', { body: { short_description: 'explode' } });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: { message: 'Internal Server Error', detail: 'a bug in a hook' }, status: 'failure' });
    expect(logLines.some((line) => line.includes('request failed') && line.includes('a bug in a hook'))).toBe(true);
    expect((await sn.list('incident', { sysparm_limit: 1 })).status).toBe(200);
  });

  it('logs one line per request at debug level, without credentials', async () => {
    logLines.length = 0;
    await sn.request('GET', '/api/now/table/incident', { query: { sysparm_limit: 1 } });
    await sn.tokenRequest({ grant_type: 'password', client_id: 'incident-io-local', client_secret: 'local-client-secret', username: 'admin', password: 'admin' });
    const requestLines = (): string[] => logLines.filter((line) => line.includes('"msg":"request"'));
    // The line is written once the response has gone out: give the last one a moment.
    for (let i = 0; i < 50 && requestLines().length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(requestLines()).toHaveLength(2);
    expect(JSON.parse(requestLines()[0])).toMatchObject({ level: 20, method: 'GET', path: '/api/now/table/incident', status: 200, user: 'admin' });
    const all = logLines.join('\n');
    expect(all).not.toContain(Buffer.from('admin:admin').toString('base64'));
    expect(all).not.toContain('local-client-secret');
  });
});
