import type { FollowUpView } from '../../../src/companion/server/follow-up-view';
import type { IncidentView } from '../../../src/companion/server/incident-view';
import { USERS } from '../../helpers/instance';
import { startPollingFixture, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * Follow-ups end to end against the local instance: created in incident.io, made a child record
 * of the incident's ServiceNow record through the sync queue, completed in ServiceNow by a person
 * and seen completed in incident.io, by the app's push (real time) and by polling (no app).
 */

async function followUpSynced(f: SyncFixture, incidentId: string, followUpId: string): Promise<FollowUpView> {
  return waitFor(
    async () => {
      const res = await f.api<FollowUpView>('GET', `/api/incidents/${incidentId}/follow-ups/${followUpId}`);
      return res.body.servicenow !== null && res.body.sync.pending_writes === 0 ? res.body : undefined;
    },
    { message: `follow-up ${followUpId} to be written to ServiceNow` },
  );
}

async function followUpRecord(f: SyncFixture, sysId: string): Promise<Record<string, string>> {
  return f.record(sysId, ['short_description', 'description', 'state', 'parent_incident', 'correlation_id', 'assigned_to', 'sys_created_by']);
}

function scenarios(start: () => Promise<SyncFixture>): void {
  let f: SyncFixture;
  beforeAll(async () => {
    f = await start();
  });
  afterAll(async () => {
    await f?.close();
  });

  it('a follow-up becomes a child record of the incident, is completed in ServiceNow, and is seen completed in incident.io', async () => {
    const incident: IncidentView = await f.declare({ name: 'Disk full on db-3', severity: 'major' });
    const created = await f.api<FollowUpView>('POST', `/api/incidents/${incident.reference}/follow-ups`, {
      title: 'Alert on disk usage at 80%',
      description: 'No alert fired before the disk filled.',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Alert on disk usage at 80%', status: 'outstanding', assignee: null });

    const synced = await followUpSynced(f, incident.id, created.body.id);
    const parent = (await f.synced(incident.id)).servicenow!.sys_id;
    expect(synced.servicenow).toMatchObject({ table: 'incident', state: '1' });
    const record = await followUpRecord(f, synced.servicenow!.sys_id);
    expect(record).toMatchObject({
      short_description: 'Alert on disk usage at 80%',
      description: 'No alert fired before the disk filled.',
      state: '1',
      parent_incident: parent,
      correlation_id: created.body.id,
      sys_created_by: USERS.svc.user,
    });
    // One record, never declared back as an incident of its own.
    const children = await f.sn.list('incident', { sysparm_query: `parent_incident=${parent}`, sysparm_fields: 'sys_id' });
    expect(children.result).toHaveLength(1);

    await f.patchRecord(synced.servicenow!.sys_id, { state: '6', close_code: 'Solution provided', close_notes: 'Alert added' });
    const completed = await waitFor(
      async () => {
        const res = await f.api<FollowUpView>('GET', `/api/incidents/${incident.id}/follow-ups/${created.body.id}`);
        return res.body.status === 'completed' ? res.body : undefined;
      },
      { message: 'the follow-up to be completed' },
    );
    expect(completed.servicenow!.state).toBe('6');
    const timeline = (await f.incident(incident.id)).updates!.map((u) => u.message);
    expect(timeline).toContain(`Follow-up "Alert on disk usage at 80%" was completed in ServiceNow by ${USERS.itil.user} (${synced.servicenow!.number}).`);
    const list = await f.api<{ follow_ups: FollowUpView[] }>('GET', `/api/incidents/${incident.id}/follow-ups`);
    expect(list.body.follow_ups.map((x) => [x.id, x.status])).toEqual([[created.body.id, 'completed']]);
    const incidents = await f.api<{ incidents: IncidentView[] }>('GET', '/api/incidents?limit=200');
    expect(incidents.body.incidents.some((i) => i.servicenow?.sys_id === synced.servicenow!.sys_id)).toBe(false);
  });

  it('changes in incident.io (title, description, completed) are written to the record; not doing in ServiceNow comes back as not_doing', async () => {
    const incident = await f.declare({ name: 'Cert expired', severity: 'minor' });
    const created = (await f.api<FollowUpView>('POST', `/api/incidents/${incident.id}/follow-ups`, { title: 'Automate renewals' })).body;
    await followUpSynced(f, incident.id, created.id);
    const patched = await f.api<FollowUpView>('PATCH', `/api/incidents/${incident.id}/follow-ups/${created.id}`, { title: 'Automate certificate renewals', description: 'Use ACME' });
    expect(patched.status).toBe(200);
    const synced = await followUpSynced(f, incident.id, created.id);
    expect(await followUpRecord(f, synced.servicenow!.sys_id)).toMatchObject({ short_description: 'Automate certificate renewals', description: 'Use ACME' });

    // Completed in incident.io: the record is resolved, with the close fields an incident needs.
    await f.api('PATCH', `/api/incidents/${incident.id}/follow-ups/${created.id}`, { status: 'completed' });
    const completed = await followUpSynced(f, incident.id, created.id);
    expect(completed).toMatchObject({ status: 'completed', servicenow: { state: '6' } });
    expect(await f.record(synced.servicenow!.sys_id, ['state', 'close_code'])).toEqual({ state: '6', close_code: 'Solution provided' });

    await f.patchRecord(synced.servicenow!.sys_id, { state: '8', close_code: 'Solution provided', close_notes: 'Won\'t do' });
    await waitFor(async () => (await f.api<FollowUpView>('GET', `/api/incidents/${incident.id}/follow-ups/${created.id}`)).body.status === 'not_doing', {
      message: 'the follow-up to be not doing',
    });
  });

  it('bad input is refused with what to fix, and nothing is stored', async () => {
    const incident = await f.declare({ name: 'Bad input', severity: 'minor' });
    const missing = await f.api<{ error: { code: string; details: Array<{ path: string }> } }>('POST', `/api/incidents/${incident.id}/follow-ups`, { description: 'x', colour: 'red' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d) => d.path).sort()).toEqual(['(body)', 'title'].sort());
    const badStatus = await f.api('PATCH', `/api/incidents/${incident.id}/follow-ups/nope`, { status: 'done' });
    expect(badStatus.status).toBe(400);
    const unknown = await f.api('GET', `/api/incidents/${incident.id}/follow-ups/00000000-0000-0000-0000-000000000000`);
    expect(unknown.status).toBe(404);
    expect((await f.api<{ follow_ups: unknown[] }>('GET', `/api/incidents/${incident.id}/follow-ups`)).body.follow_ups).toEqual([]);
  });
}

describe('follow-ups with the app (real time)', () => {
  scenarios(() => startRealtimeFixture());
});

describe('follow-ups by polling (no app)', () => {
  scenarios(() => startPollingFixture({ companion: { pollIntervalMs: 100 } }));
});
