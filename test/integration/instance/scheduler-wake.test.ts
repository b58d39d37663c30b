import { startTestInstance, USERS, type TestInstance } from '../../helpers/instance';
import { waitFor } from '../../helpers/wait-for';

/**
 * A queued job wakes an idle scheduler worker at once: with the workers' safety-net poll at ten
 * minutes, async rules still run right after each write, and a job queued while one worker is busy
 * goes to the other, idle one (the main thread knows which worker is busy even when the worker it
 * woke does not report that it started).
 */

let sn: TestInstance;

async function addAsyncRule(name: string, filter: string, script: string): Promise<void> {
  const res = await sn.request('POST', '/api/now/table/sys_script', {
    body: { name, collection: 'incident', when: 'async', active: true, advanced: true, order: 100, action_update: true, filter_condition: filter, script },
  });
  expect(res.status).toBe(201);
}

async function createIncident(shortDescription: string): Promise<string> {
  const res = await sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: shortDescription } });
  expect(res.status).toBe(201);
  return (res.json as { result: { sys_id: string } }).result.sys_id;
}

async function patch(sysId: string, values: Record<string, string>): Promise<void> {
  const res = await sn.request('PATCH', `/api/now/table/incident/${sysId}`, { auth: USERS.itil, body: values });
  expect(res.status).toBe(200);
}

async function logged(prefix: string): Promise<string[]> {
  const rows = (await sn.list('syslog', { sysparm_query: `messageSTARTSWITH${prefix}^ORDERBYsys_created_on`, sysparm_fields: 'message' })).result as Array<{ message: string }>;
  return rows.map((r) => r.message);
}

beforeAll(async () => {
  sn = await startTestInstance({ scheduler: { workers: 2, pollIntervalMs: 600_000 } });
  await addAsyncRule('Log quick changes', 'short_descriptionSTARTSWITHquick', `gs.info('wake test: ' + current.short_description);`);
  // Holds its worker until the incident's description says "release" (read again every 20 ms).
  await addAsyncRule(
    'Hold until released',
    'short_descriptionSTARTSWITHhold',
    `var gr = new GlideRecord('incident');
     gr.get(current.getUniqueValue());
     while (gr.getValue('description') != 'release') { gs.sleep(20); gr.get(current.getUniqueValue()); }
     gs.info('hold test: released');`,
  );
  await sn.scheduler!.ready();
}, 60_000);

afterAll(async () => {
  await sn?.close();
});

describe('the scheduler wakes a worker when a job is queued', () => {
  it('runs each async rule right after its write, without waiting for the poll', async () => {
    const sysId = await createIncident('quick 0');
    for (const n of [1, 2, 3]) {
      await patch(sysId, { short_description: `quick ${n}` });
      await waitFor(async () => (await logged('wake test:')).includes(`wake test: quick ${n}`));
    }
  });

  it('gives a job queued while one worker is busy to the idle one', async () => {
    const held = await createIncident('hold me');
    const quick = await createIncident('quick a');
    await patch(held, { short_description: 'hold on' });
    // The held job is running (its worker is busy) ...
    await waitFor(async () => {
      const running = await sn.list('sys_trigger', { sysparm_query: `state=running^document_key=${held}`, sysparm_fields: 'sys_id' });
      return (running.result as unknown[]).length === 1;
    });
    await patch(quick, { short_description: 'quick b' });
    // ... and the next job runs on the other worker before it is released.
    await waitFor(async () => (await logged('wake test:')).includes('wake test: quick b'));
    expect(await logged('hold test:')).toEqual([]);
    await patch(held, { description: 'release' });
    await waitFor(async () => (await logged('hold test:')).length >= 1);
  });
});
