import { configurePush, setProperty, startAppInstance } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';

/**
 * The app's business rules filter in their records before any script runs (a certification
 * finding): on the local instance with the real build, a rule's script does not run for a change
 * its condition or filter condition excludes. Observed through the instance's script runtime.
 */

let sn: TestInstance;
let ran: string[];
/** Script conditions run (`<rule> (condition)`). */
let conditions: string[];

const CHANGE = 'Queue incident change for incident.io';
const JOURNAL = 'Queue incident journal entry for incident.io';
const ATTACHMENT = 'Queue incident attachment for incident.io';

beforeAll(async () => {
  sn = await startAppInstance({ scheduler: false });
  await configurePush(sn, 'https://hooks.example.com/incident-io');
  const run = sn.runtime.run.bind(sn.runtime);
  jest.spyOn(sn.runtime, 'run').mockImplementation((request) => {
    if (request.kind === 'business_rule') ran.push(request.name);
    if (request.kind === 'condition') conditions.push(request.name);
    return run(request);
  });
});

afterAll(async () => {
  jest.restoreAllMocks();
  await sn?.close();
});

beforeEach(() => {
  ran = [];
  conditions = [];
});

async function incident(): Promise<string> {
  return ((await sn.list('incident', { sysparm_query: 'active=true^ORDERBYnumber', sysparm_limit: 1, sysparm_fields: 'sys_id' })).result[0] as { sys_id: string }).sys_id;
}

async function patch(sysId: string, body: Record<string, unknown>): Promise<void> {
  const res = await sn.request('PATCH', `/api/now/table/incident/${sysId}`, { auth: USERS.itil, body });
  expect(res.status).toBe(200);
}

describe('business rule conditions', () => {
  it('runs the change rule for a synced field, and not at all for a change to other fields only', async () => {
    const id = await incident();
    await patch(id, { short_description: 'Checkout errors' });
    expect(ran).toContain(CHANGE);
    ran = [];
    await patch(id, { correlation_display: 'ticket-' + Date.now().toString(36) });
    expect(sn.engine.get('incident', id)!.values.correlation_display).toMatch(/^ticket-/);
    expect(ran).not.toContain(CHANGE);
  });

  it('runs no condition of the follow-up rules for a change of an incident incident.io made (their filter leaves incidents out)', async () => {
    const id = await incident();
    await patch(id, { correlation_display: 'incident.io' });
    conditions = [];
    ran = [];
    await patch(id, { short_description: 'Checkout errors, again' });
    expect(ran).toContain(CHANGE);
    expect(conditions.filter((name) => name.startsWith('Queue follow-up'))).toEqual([]);
    expect(conditions).toContain(`${CHANGE} (condition)`);
  });

  it('runs the journal rule for an incident comment, never for a journal row of another table', () => {
    const id = sn.engine.query('incident', { query: 'active=true', limit: 1 }).records[0]!.sysId;
    sn.engine.insert('sys_journal_field', { name: 'incident', element: 'comments', element_id: id, value: 'A comment' }, { session: sn.engine.sessionForUser('itil.user')! });
    expect(ran).toContain(JOURNAL);
    ran = [];
    sn.engine.insert('sys_journal_field', { name: 'problem', element: 'comments', element_id: id, value: 'Not an incident' }, { session: sn.engine.sessionForUser('itil.user')! });
    sn.engine.insert('sys_journal_field', { name: 'incident', element: 'u_private_notes', element_id: id, value: 'Not synced' }, { session: sn.engine.sessionForUser('itil.user')! });
    expect(ran).not.toContain(JOURNAL);
  });

  it('runs the attachment rule for a file attached to an incident over the Attachment API, never for another table', async () => {
    const id = await incident();
    const upload = (table: string, sysId: string, auth: typeof USERS.itil | typeof USERS.admin = USERS.itil) =>
      sn.request('POST', '/api/now/attachment/file', {
        auth,
        body: Buffer.from('not really a graph'),
        headers: { 'content-type': 'image/png' },
        query: { table_name: table, table_sys_id: sysId, file_name: 'graph.png' },
      });
    const created = await upload('incident', id);
    expect(created.status).toBe(201);
    const attachmentId = (created.json as { result: { sys_id: string } }).result.sys_id;
    expect(ran).toContain(ATTACHMENT);
    const rows = sn.engine.query('x_incident_io_outbound_event', { query: `incident_sys_id=${id}^event_type=incident.attachment` }).records;
    expect(rows).toHaveLength(1);
    const event = JSON.parse(rows[0]!.values.payload!) as { attachment: Record<string, unknown> };
    expect(event.attachment).toMatchObject({ sys_id: attachmentId, file_name: 'graph.png', content_type: 'image/png', size_bytes: 18, author: 'itil.user' });
    ran = [];
    const problem = sn.engine.insert('problem', { short_description: 'Not an incident' }, { session: sn.engine.sessionForUser('admin')! });
    expect((await upload('problem', problem.sysId, USERS.admin)).status).toBe(201);
    expect(ran).not.toContain(ATTACHMENT);
  });

  it('runs no queuing rule while pushes are disabled', async () => {
    await setProperty(sn, 'x_incident_io.enabled', 'false');
    try {
      const id = await incident();
      await patch(id, { short_description: 'Changed while disabled', comments: 'A comment while disabled' });
      expect(ran.filter((name) => name.startsWith('Queue '))).toEqual([]);
      expect(sn.engine.query('x_incident_io_outbound_event', { query: `incident_sys_id=${id}^payloadLIKEChanged while disabled` }).records).toHaveLength(0);
    } finally {
      await setProperty(sn, 'x_incident_io.enabled', 'true');
    }
    await patch(await incident(), { short_description: 'Enabled again' });
    expect(ran).toContain(CHANGE);
  });
});
