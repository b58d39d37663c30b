import type { FollowUpView } from '../../../src/companion/server/follow-up-view';
import { startCompanion } from '../../../src/companion/server/start-companion';
import { MappingError, parseMapping } from '../../../src/companion/sync/mapping';
import { silentLogger } from '../../../src/shared/logger';
import { USERS } from '../../helpers/instance';
import { API_KEY, startPollingFixture, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * Follow-ups kept in `problem` (followUps.table), end to end against the local instance: created in
 * incident.io as a problem whose parent is the incident's record, resolved and closed in ServiceNow by
 * a person, and seen back in incident.io: by the app's rules on task (real time) and by polling the
 * problem table (no app). A table or parent field the instance does not have stops the start.
 */

const PROBLEM_MAPPING = parseMapping({ followUps: { table: 'problem' } });

async function followUp(f: SyncFixture, incidentId: string, id: string): Promise<FollowUpView> {
  const res = await f.api<FollowUpView>('GET', `/api/incidents/${incidentId}/follow-ups/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function problem(f: SyncFixture, sysId: string): Promise<Record<string, string>> {
  const res = await f.sn.request('GET', `/api/now/table/problem/${sysId}`, {
    query: { sysparm_exclude_reference_link: true, sysparm_fields: 'number,short_description,description,state,parent,correlation_id,sys_class_name' },
  });
  expect(res.status).toBe(200);
  return (res.json as { result: Record<string, string> }).result;
}

async function patchProblem(f: SyncFixture, sysId: string, values: Record<string, string>): Promise<void> {
  const res = await f.sn.request('PATCH', `/api/now/table/problem/${sysId}`, { auth: USERS.itil, body: values });
  expect(res.status).toBe(200);
}

/** The app's outbox events of a record, read as admin: what its rules queued. */
async function outboxEvents(f: SyncFixture, sysId: string): Promise<string[]> {
  const res = await f.sn.request('GET', '/api/now/table/x_incident_io_outbound_event', {
    query: { sysparm_query: `incident_sys_id=${sysId}^ORDERBYsequence`, sysparm_fields: 'event_type' },
  });
  expect(res.status).toBe(200);
  return (res.json as { result: Array<{ event_type: string }> }).result.map((r) => r.event_type);
}

function scenarios(start: () => Promise<SyncFixture>, realtime: boolean): void {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await start();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('a follow-up becomes a problem under the incident, is resolved then closed in ServiceNow, and is seen completed in incident.io', async () => {
    const incident = await f.declare({ name: 'Queue backlog on payments', severity: 'major' });
    const created = await f.api<FollowUpView>('POST', `/api/incidents/${incident.id}/follow-ups`, { title: 'Find why the consumer stalled', description: 'Root cause' });
    expect(created.status).toBe(201);
    const synced = await waitFor(
      async () => {
        const view = await followUp(f, incident.id, created.body.id);
        return view.servicenow !== null && view.sync.pending_writes === 0 ? view : undefined;
      },
      { message: 'the follow-up to be written as a problem' },
    );
    const parent = (await f.synced(incident.id)).servicenow!.sys_id;
    expect(synced.servicenow).toMatchObject({ table: 'problem', state: '101' });
    expect(synced.servicenow!.number).toMatch(/^PRB\d+$/);
    expect(await problem(f, synced.servicenow!.sys_id)).toMatchObject({
      sys_class_name: 'problem',
      short_description: 'Find why the consumer stalled',
      description: 'Root cause',
      state: '101',
      parent,
      correlation_id: created.body.id,
    });

    // Resolved in ServiceNow by a person: completed in incident.io, said on the incident's timeline.
    await patchProblem(f, synced.servicenow!.sys_id, { state: '106', resolution_code: 'fix_applied', fix_notes: 'Raised the consumer timeout' });
    const completed = await waitFor(
      async () => {
        const view = await followUp(f, incident.id, created.body.id);
        return view.status === 'completed' ? view : undefined;
      },
      { message: 'the follow-up to be completed' },
    );
    expect(completed.servicenow!.state).toBe('106');
    const timeline = (await f.incident(incident.id)).updates!.map((u) => u.message);
    expect(timeline).toContain(`Follow-up "Find why the consumer stalled" was completed in ServiceNow by ${USERS.itil.user} (${synced.servicenow!.number}).`);
    // With the app, the change came by its follow-up rule on task (the companion's own create queued nothing).
    if (realtime) expect(await outboxEvents(f, synced.servicenow!.sys_id)).toEqual(['incident.updated']);

    // Reopened (Fix in Progress): outstanding again; then closed with a new title: completed, titled anew.
    await patchProblem(f, synced.servicenow!.sys_id, { state: '104' });
    await waitFor(async () => (await followUp(f, incident.id, created.body.id)).status === 'outstanding', { message: 'the follow-up to be outstanding again' });
    await patchProblem(f, synced.servicenow!.sys_id, { state: '107', short_description: 'Consumer stall: timeout raised' });
    const closed = await waitFor(
      async () => {
        const view = await followUp(f, incident.id, created.body.id);
        return view.status === 'completed' && view.servicenow!.state === '107' ? view : undefined;
      },
      { message: 'the follow-up to be completed by the close' },
    );
    expect(closed.title).toBe('Consumer stall: timeout raised');
    // The problem is never declared as an incident of its own.
    const incidents = await f.api<{ incidents: Array<{ servicenow: { sys_id: string } | null }> }>('GET', '/api/incidents?limit=200');
    expect(incidents.body.incidents.some((i) => i.servicenow?.sys_id === synced.servicenow!.sys_id)).toBe(false);
  });

  it('not doing in incident.io closes the problem; a later edit in ServiceNow keeps it not doing', async () => {
    const incident = await f.declare({ name: 'Slow search', severity: 'minor' });
    const created = (await f.api<FollowUpView>('POST', `/api/incidents/${incident.id}/follow-ups`, { title: 'Shard the index' })).body;
    await waitFor(async () => (await followUp(f, incident.id, created.id)).servicenow !== null || undefined, { message: 'the problem to be made' });
    await f.api('PATCH', `/api/incidents/${incident.id}/follow-ups/${created.id}`, { status: 'not_doing' });
    const written = await waitFor(
      async () => {
        const view = await followUp(f, incident.id, created.id);
        return view.sync.pending_writes === 0 && view.servicenow!.state === '107' ? view : undefined;
      },
      { message: 'the problem to be closed' },
    );
    expect((await problem(f, written.servicenow!.sys_id)).state).toBe('107');
    await patchProblem(f, written.servicenow!.sys_id, { description: 'Not worth it this quarter' });
    const edited = await waitFor(
      async () => {
        const view = await followUp(f, incident.id, created.id);
        return view.description === 'Not worth it this quarter' ? view : undefined;
      },
      { message: 'the edit to come back' },
    );
    expect(edited.status).toBe('not_doing');
  });
}

describe('follow-ups in problem with the app (real time)', () => {
  scenarios(() => startRealtimeFixture({ companion: { mapping: PROBLEM_MAPPING } }), true);

  it('the app was told the follow-up table, and refuses one that is no task table', async () => {
    // Checked on a fixture of its own: the app's GET /health shows the table the companion set.
    const f = await startRealtimeFixture({ companion: { mapping: PROBLEM_MAPPING } });
    try {
      const health = await waitFor(
        async () => {
          const res = await f.sn.request('GET', '/api/x_incident_io/v1/sync/health', { auth: USERS.svc });
          const body = res.json as { result: { config: { follow_up_table: string } } };
          return body.result.config.follow_up_table === 'problem' ? body.result : undefined;
        },
        { message: 'the app to be told the follow-up table' },
      );
      expect(health.config.follow_up_table).toBe('problem');
      for (const [table, message] of [
        ['sys_user', 'follow_up_table "sys_user" does not extend task'],
        ['u_nothing', 'follow_up_table "u_nothing" is not a table on this instance'],
      ] as const) {
        const res = await f.sn.request('PUT', '/api/x_incident_io/v1/sync/config', { auth: USERS.admin, body: { follow_up_table: table } });
        expect(res.status).toBe(400);
        expect((res.json as { error: { detail: string } }).error.detail).toContain(message);
      }
    } finally {
      await f.close();
    }
  });
});

describe('follow-ups in problem by polling (no app)', () => {
  scenarios(() => startPollingFixture({ companion: { pollIntervalMs: 100, mapping: PROBLEM_MAPPING } }), false);
});

describe('a follow-up table or parent field the instance does not have', () => {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await startPollingFixture();
    await f.companion.close();
  });
  afterAll(async () => {
    await f?.close();
  });

  const start = (followUps: Record<string, unknown>) =>
    startCompanion({ storeFile: f.data.db, port: 0, apiKey: API_KEY, logger: silentLogger(), mapping: parseMapping({ followUps }) });

  it.each([
    [{ table: 'u_follow_up', outstandingStates: ['1'], completedStates: ['3'], notDoingStates: ['4'], toState: { outstanding: '1', completed: '3', not_doing: '4' } }, /followUps\.table: "local" has no table "u_follow_up"/],
    [{ table: 'problem', parentField: 'u_incident' }, /followUps\.parentField: problem on "local" has no field "u_incident" \(nor do the tables it extends: task\)/],
    [{ table: 'problem', parentField: 'assigned_to' }, /followUps\.parentField: problem\.assigned_to on "local" is a reference to sys_user, not a reference that can hold the incident/],
    [
      { table: 'sys_user', parentField: 'manager', outstandingStates: ['1'], completedStates: ['3'], notDoingStates: ['4'], toState: { outstanding: '1', completed: '3', not_doing: '4' } },
      /followUps\.table: "sys_user" on "local" does not extend task/,
    ],
  ])('refuses to start with %j, naming it', async (followUps, message) => {
    const attempt = start(followUps);
    await expect(attempt).rejects.toThrow(MappingError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('starts with problem and its parent field', async () => {
    const companion = await start({ table: 'problem', parentField: 'parent' });
    await companion.close();
  });
});
