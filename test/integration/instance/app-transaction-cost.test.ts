import { APP_API, configurePush, holdRetryJob, startAppInstance } from '../../helpers/app-instance';
import { USERS, type TestInstance } from '../../helpers/instance';
import { startPushReceiver, type PushReceiver } from '../../helpers/push-receiver';
import { waitFor } from '../../helpers/wait-for';

/**
 * What the app costs a user's write on the instance: its business rules read the cached
 * configuration and insert one outbox row (engine.stats.appRuleDataOps, counted by the local
 * instance); references are named by the delivery, off the transaction; a configuration change
 * through the app's API applies to the very next change (the cache follows the config version).
 */

let sn: TestInstance;
let receiver: PushReceiver;

beforeAll(async () => {
  receiver = await startPushReceiver();
  sn = await startAppInstance({ scheduler: { workers: 2, pollIntervalMs: 5000 } });
  await holdRetryJob(sn);
  await configurePush(sn, receiver.url);
  await sn.scheduler?.ready();
});

afterAll(async () => {
  await sn?.close();
  await receiver?.close();
});

async function incidentWithGroup(): Promise<{ sys_id: string; assignment_group: string }> {
  const res = await sn.list('incident', { sysparm_query: 'active=true^assignment_groupISNOTEMPTY^ORDERBYnumber', sysparm_limit: 1, sysparm_fields: 'sys_id,assignment_group' });
  const row = res.result[0] as { sys_id: string; assignment_group: string | { value: string } } | undefined;
  if (!row) throw new Error('the seed has no active incident with an assignment group');
  return { sys_id: row.sys_id, assignment_group: typeof row.assignment_group === 'string' ? row.assignment_group : row.assignment_group.value };
}

async function queued(incidentSysId: string): Promise<number> {
  return (await sn.list('x_incident_io_outbound_event', { sysparm_query: `incident_sys_id=${incidentSysId}`, sysparm_fields: 'sys_id' })).result.length;
}

describe("the app's work inside a user's transaction", () => {
  it('is one data operation per incident change (the outbox insert; property reads come from the node\'s property cache), steady after the first', async () => {
    const incident = await incidentWithGroup();
    const before = await queued(incident.sys_id);
    // The setup's writes to metadata (sysauto_script, sys_properties) leave the scheduler's trigger
    // sync to its next timer tick, a write transaction on this thread that could land while a PATCH
    // below is awaited. Settled here, the timer has nothing left to do until metadata changes again.
    sn.scheduler!.syncScheduledJobs();
    const settled = sn.engine.stats.writeTransactions;
    sn.scheduler!.syncScheduledJobs();
    expect(sn.engine.stats.writeTransactions).toBe(settled);
    const perChange: number[] = [];
    const commits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = sn.engine.stats.appRuleDataOps;
      const startCommits = sn.engine.stats.writeTransactions;
      const res = await sn.request('PATCH', `/api/now/table/incident/${incident.sys_id}`, { auth: USERS.itil, body: { short_description: `cost ${i}` } });
      expect(res.status).toBe(200);
      perChange.push(sn.engine.stats.appRuleDataOps - start);
      commits.push(sn.engine.stats.writeTransactions - startCommits);
    }
    expect(await queued(incident.sys_id)).toBe(before + 5);
    // The change, the outbox row and its delivery job (sys_trigger) are one transaction: one commit, as on the platform.
    expect(commits).toEqual([1, 1, 1, 1, 1]);
    // The first change may fill the caches; every later one reads three properties (the rule's condition:
    // x_incident_io.enabled; the cache key: config_version and instance_name, so a clone stops queueing
    // at once), served from the node's property cache as on the platform (no database call), and
    // inserts one row. No record read, no network call.
    expect(perChange.slice(1)).toEqual([1, 1, 1, 1]);
  });

  it('names references in the delivered push although the business rule read none of them', async () => {
    receiver.pushes.length = 0;
    const incident = await incidentWithGroup();
    const group = (await sn.request('GET', `/api/now/table/sys_user_group/${incident.assignment_group}`, { query: { sysparm_fields: 'name' } })).json as { result: { name: string } };
    await sn.request('PATCH', `/api/now/table/incident/${incident.sys_id}`, { auth: USERS.itil, body: { short_description: 'named references' } });
    const push = await waitFor(() => receiver.pushes.find((p) => p.event.incident.short_description === 'named references'), { message: 'the push to arrive' });
    expect(push.event.incident.assignment_group).toEqual({ sys_id: incident.assignment_group, name: group.result.name });
    expect(group.result.name).not.toBe('');
  });

  it('sees a property written through the Table API at once (the write flushes every node\'s property cache)', async () => {
    const incident = await incidentWithGroup();
    const prop = await sn.list('sys_properties', { sysparm_query: 'name=x_incident_io.enabled', sysparm_fields: 'sys_id,value' });
    const row = prop.result[0] as { sys_id: string; value: string };
    expect(row.value).toBe('true');
    const before = await queued(incident.sys_id);
    const off = await sn.request('PATCH', `/api/now/table/sys_properties/${row.sys_id}`, { auth: USERS.admin, body: { value: 'false' } });
    expect(off.status).toBe(200);
    try {
      await sn.request('PATCH', `/api/now/table/incident/${incident.sys_id}`, { auth: USERS.itil, body: { short_description: 'property off by hand' } });
      expect(await queued(incident.sys_id)).toBe(before);
    } finally {
      const on = await sn.request('PATCH', `/api/now/table/sys_properties/${row.sys_id}`, { auth: USERS.admin, body: { value: 'true' } });
      expect(on.status).toBe(200);
    }
    await sn.request('PATCH', `/api/now/table/incident/${incident.sys_id}`, { auth: USERS.itil, body: { short_description: 'property on by hand' } });
    expect(await queued(incident.sys_id)).toBe(before + 1);
  });

  it('applies a configuration change made through the app at once (disabled: nothing queued)', async () => {
    const incident = await incidentWithGroup();
    const off = await sn.request('PUT', `${APP_API}/config`, { auth: USERS.svc, body: { enabled: false } });
    expect(off.status).toBe(200);
    const before = await queued(incident.sys_id);
    await sn.request('PATCH', `/api/now/table/incident/${incident.sys_id}`, { auth: USERS.itil, body: { short_description: 'while disabled' } });
    expect(await queued(incident.sys_id)).toBe(before);
    const on = await sn.request('PUT', `${APP_API}/config`, { auth: USERS.svc, body: { enabled: true } });
    expect(on.status).toBe(200);
    await sn.request('PATCH', `/api/now/table/incident/${incident.sys_id}`, { auth: USERS.itil, body: { short_description: 'enabled again' } });
    expect(await queued(incident.sys_id)).toBe(before + 1);
  });
});
