import { startTestInstance, USERS, type TestInstance } from '../../helpers/instance';
import { waitFor } from '../../helpers/wait-for';

/** Business rules defined on the instance (sys_script) running around Table API writes. */

let sn: TestInstance;

interface RuleInput {
  name: string;
  collection: string;
  when: string;
  order?: number;
  action_insert?: boolean;
  action_update?: boolean;
  action_delete?: boolean;
  filter_condition?: string;
  condition?: string;
  script: string;
}

async function addRule(rule: RuleInput): Promise<string> {
  const res = await sn.request('POST', '/api/now/table/sys_script', { body: { active: true, advanced: true, order: 100, ...rule } });
  expect(res.status).toBe(201);
  return (res.json as { result: { sys_id: string } }).result.sys_id;
}

async function createIncident(fields: Record<string, unknown>, auth = USERS.itil): Promise<{ status: number; json: unknown; result: Record<string, string> }> {
  const res = await sn.request('POST', '/api/now/table/incident', { auth, body: fields });
  return { status: res.status, json: res.json, result: (res.json as { result?: Record<string, string> })?.result ?? {} };
}

async function syslog(query: string): Promise<Array<Record<string, string>>> {
  return (await sn.list('syslog', { sysparm_query: `${query}^ORDERBYsys_created_on`, sysparm_fields: 'level,source,message,sys_created_by' })).result as Array<Record<string, string>>;
}

beforeAll(async () => {
  sn = await startTestInstance();
  // Order: the rule with the lower order runs first; a rule on task runs for incidents.
  await addRule({
    name: 'Tag description second',
    collection: 'incident',
    when: 'before',
    order: 200,
    action_insert: true,
    filter_condition: 'short_descriptionSTARTSWITHtagged',
    script: `current.description = current.description + '[second]';`,
  });
  await addRule({
    name: 'Tag description first',
    collection: 'incident',
    when: 'before',
    order: 100,
    action_insert: true,
    filter_condition: 'short_descriptionSTARTSWITHtagged',
    script: `current.setValue('description', (current.getValue('description') || '') + '[first]');`,
  });
  await addRule({
    name: 'Task rule for every task',
    collection: 'task',
    when: 'before',
    order: 300,
    action_insert: true,
    filter_condition: 'short_descriptionSTARTSWITHtagged',
    script: `current.description += '[task]';`,
  });
  await addRule({
    name: 'Refuse forbidden incidents',
    collection: 'incident',
    when: 'before',
    action_insert: true,
    action_update: true,
    condition: `current.short_description.toString().indexOf('forbidden') >= 0`,
    script: `current.setAbortAction(true);`,
  });
  await addRule({
    name: 'Note urgency changes',
    collection: 'incident',
    when: 'after',
    action_update: true,
    filter_condition: 'urgencyVALCHANGES^urgencyCHANGESTO1',
    script: `gs.info('urgency went from {0} to {1} by {2} ({3})', previous.urgency, current.urgency, gs.getUserName(), current.operation());`,
  });
  await addRule({
    name: 'Broken rule',
    collection: 'incident',
    when: 'before',
    action_update: true,
    filter_condition: 'short_descriptionSTARTSWITHbreak',
    script: `var nothing = null; nothing.call();`,
  });
  await addRule({
    name: 'Uses events',
    collection: 'incident',
    when: 'after',
    action_update: true,
    filter_condition: 'short_descriptionSTARTSWITHevent',
    script: `gs.eventQueue('incident.updated', current);`,
  });
  await addRule({
    name: 'Async impact note',
    collection: 'incident',
    when: 'async',
    action_update: true,
    filter_condition: 'impactVALCHANGES',
    script: `gs.info('async impact {0}; previous is {1}; by {2}', current.impact, previous === null ? 'null' : 'set', gs.getUserName());`,
  });
});

afterAll(async () => {
  await sn?.close();
});

describe('business rules around Table API writes', () => {
  it('runs before rules in order, rules on task for incidents, and their changes are saved', async () => {
    const created = await createIncident({ short_description: 'tagged incident', description: '' });
    expect(created.status).toBe(201);
    expect(created.result.description).toBe('[first][second][task]');
    const read = await sn.list('incident', { sysparm_query: `sys_id=${created.result.sys_id}`, sysparm_fields: 'description' });
    expect(read.result[0].description).toBe('[first][second][task]');
  });

  it('refuses a write a before rule aborts with the platform’s 403, and saves nothing', async () => {
    const created = await createIncident({ short_description: 'a forbidden incident' });
    expect(created.status).toBe(403);
    expect(created.json).toEqual({
      error: {
        message: 'Operation Failed',
        detail: expect.stringMatching(/^Operation against file 'incident' was aborted by Business Rule 'Refuse forbidden incidents\^[0-9a-f]{32}'/),
      },
      status: 'failure',
    });
    expect((await sn.list('incident', { sysparm_query: 'short_descriptionLIKEforbidden' })).result).toEqual([]);
  });

  it('runs after rules whose filter condition matches (VALCHANGES, CHANGESTO), with previous and the user', async () => {
    const { result } = await createIncident({ short_description: 'urgency test', urgency: '3', impact: '3' });
    await sn.request('PATCH', `/api/now/table/incident/${result.sys_id}`, { auth: USERS.itil, body: { urgency: '2' } });
    expect(await syslog('messageSTARTSWITHurgency went')).toEqual([]);
    await sn.request('PATCH', `/api/now/table/incident/${result.sys_id}`, { auth: USERS.itil, body: { urgency: '1' } });
    expect(await syslog('messageSTARTSWITHurgency went')).toEqual([
      { level: '0', source: '*** Script', message: 'urgency went from 2 to 1 by itil.user (update)', sys_created_by: 'itil.user' },
    ]);
  });

  it('logs a failing rule with its name and goes on with the write', async () => {
    const { result } = await createIncident({ short_description: 'fine' });
    const res = await sn.request('PATCH', `/api/now/table/incident/${result.sys_id}`, { auth: USERS.itil, body: { short_description: 'break it' } });
    expect(res.status).toBe(200);
    expect((res.json as { result: { short_description: string } }).result.short_description).toBe('break it');
    const logged = await syslog("messageLIKEBusiness rule 'Broken rule' failed");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: '2', source: 'Evaluator' });
    expect(logged[0].message).toContain('TypeError');
    expect((await sn.list('incident', { sysparm_limit: 1 })).status).toBe(200);
  });

  it('names an unsupported Glide API in the error it logs', async () => {
    const { result } = await createIncident({ short_description: 'quiet' });
    await sn.request('PATCH', `/api/now/table/incident/${result.sys_id}`, { auth: USERS.itil, body: { short_description: 'event please' } });
    const logged = await syslog("messageLIKEBusiness rule 'Uses events' failed");
    expect(logged).toHaveLength(1);
    expect(logged[0].message).toContain('gs.eventQueue is not supported by the local instance');
  });

  it('runs async rules after the request, on the scheduler, as the user, without previous', async () => {
    const { result } = await createIncident({ short_description: 'async test', impact: '3' });
    const res = await sn.request('PATCH', `/api/now/table/incident/${result.sys_id}`, { auth: USERS.itil, body: { impact: '1' } });
    expect(res.status).toBe(200);
    const logged = await waitFor(async () => {
      const rows = await syslog('messageSTARTSWITHasync impact');
      return rows.length > 0 && rows;
    });
    expect(logged).toEqual([{ level: '0', source: '*** Script', message: 'async impact 1; previous is null; by itil.user', sys_created_by: 'itil.user' }]);
  });
});

describe('running a scheduled job now', () => {
  it('is admin only, names a missing job, and runs a job as its run_as user', async () => {
    const created = await sn.request('POST', '/api/now/table/sysauto_script', {
      body: { name: 'Count incidents', run_type: 'on_demand', active: true, run_as: 'itil.user', script: `var g = new GlideRecord('incident'); g.query(); gs.info('counted {0} as {1}', g.getRowCount(), gs.getUserName());` },
    });
    expect(created.status).toBe(201);
    const refused = await sn.request('POST', '/api/now/local/jobs/run', { auth: USERS.itil, body: { name: 'Count incidents' } });
    expect(refused.status).toBe(403);
    const missing = await sn.request('POST', '/api/now/local/jobs/run', { body: { name: 'No such job' } });
    expect(missing.status).toBe(404);
    const run = await sn.request('POST', '/api/now/local/jobs/run', { body: { name: 'Count incidents' } });
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ result: { name: 'Run now: Count incidents', state: 'done', error: '' } });
    const total = Number((await sn.list('incident', { sysparm_limit: 1 })).headers.get('x-total-count'));
    expect(await syslog('messageSTARTSWITHcounted')).toEqual([expect.objectContaining({ message: `counted ${total} as itil.user`, sys_created_by: 'itil.user' })]);
  });

  it('reports a failing job’s script error', async () => {
    await sn.request('POST', '/api/now/table/sysauto_script', { body: { name: 'Failing job', run_type: 'on_demand', active: true, script: `throw new Error('job went wrong');` } });
    const run = await sn.request('POST', '/api/now/local/jobs/run', { body: { name: 'Failing job' } });
    expect(run.json).toMatchObject({ result: { state: 'error', error: 'job went wrong' } });
    expect(await syslog("messageLIKEScheduled job 'Failing job' failed")).toHaveLength(1);
  });
});
