import type { IncidentView } from '../../../src/companion/server/incident-view';
import { parseMapping } from '../../../src/companion/sync/mapping';
import { isoToGlide } from '../../../src/companion/sync/servicenow-record';
import { USERS } from '../../helpers/instance';
import { startPollingFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { waitFor } from '../../helpers/wait-for';

/**
 * The same sync without the app (the guide's app-less setup: the service account holds admin,
 * connect stores a polling connection): the companion polls the Table API every 100 ms here, with
 * a 30 s overlap window.
 */

const OVERLAP_MS = 30_000;
let f: SyncFixture;

beforeAll(async () => {
  f = await startPollingFixture({
    companion: {
      pollIntervalMs: 100,
      mapping: parseMapping({ declare: { priorities: ['1', '2'], activeOnly: true } }),
      sync: { pollOverlapMs: OVERLAP_MS },
    },
  });
});
afterAll(async () => {
  await f?.close();
});

const sysIdOf = (view: IncidentView): string => view.servicenow!.sys_id;

async function inboundEvents(sysId: string) {
  return f.companion.store.sync.inbound.listForIncident(f.connection.id, sysId);
}

async function applied(sysId: string, count: number) {
  return waitFor(
    async () => {
      const events = await inboundEvents(sysId);
      return events.length === count && events.every((e) => e.state === 'done') ? events : undefined;
    },
    { message: `${count} polled change(s) of ${sysId} to be applied` },
  );
}

/** Waits until the poller has completed `runs` more runs of the incident table (its cursor row records each). */
async function pollRuns(runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) {
    const since = Date.now();
    await waitFor(async () => ((await f.companion.store.sync.cursors.get(f.connection.id, 'incident'))?.lastRunAt?.getTime() ?? 0) > since, {
      message: 'a poll run',
    });
  }
}

const writes = () => f.writes();

describe('polling mode', () => {
  it('declaring creates the ServiceNow incident; polling does not bring the companion\'s own write back', async () => {
    const declared = await f.declare({ name: 'Polling: API errors', summary: 'HTTP 500s', severity: 'major', lead: 'dan.okafor@example.com' });
    const sysId = sysIdOf(await f.synced(declared.id));
    expect(await f.record(sysId)).toMatchObject({ short_description: 'Polling: API errors', description: 'HTTP 500s', impact: '1', urgency: '2', state: '1', correlation_id: declared.id, sys_created_by: USERS.svc.user });

    await f.api('PATCH', `/api/incidents/${declared.id}`, { status: 'investigating' });
    await f.synced(declared.id);
    expect((await f.record(sysId)).state).toBe('2');
    await pollRuns(2);
    expect(await inboundEvents(sysId)).toEqual([]);
  });

  it('a change made in ServiceNow is polled, applied once, and produces no write back', async () => {
    const declared = await f.declare({ name: 'Polling: slow search', severity: 'minor', status: 'investigating' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const before = await writes();

    await f.patchRecord(sysId, { short_description: 'Polling: slow search (EU)', impact: '1', urgency: '1', state: '6', close_code: 'Solution provided', close_notes: 'Reindexed' });
    const [event] = await applied(sysId, 1);
    expect(event).toMatchObject({ source: 'poll', type: 'incident.updated', sequence: 1, outcome: 'applied' });
    expect(await f.incident(declared.id)).toMatchObject({ name: 'Polling: slow search (EU)', severity: 'critical', status: 'resolved' });

    // Later runs re-read the same version inside the overlap window: stored once.
    await pollRuns(3);
    expect(await inboundEvents(sysId)).toHaveLength(1);
    expect(await writes()).toEqual(before);
    expect((await f.record(sysId)).sys_mod_count).toBe('1');
  });

  it('comments and work notes both ways, kept apart: ServiceNow\'s are polled onto the timeline, incident.io\'s are not polled back', async () => {
    const declared = await f.declare({ name: 'Polling: notes', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'Paged the database team' });
    await f.synced(declared.id);
    const comment = await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'We are investigating', visibility: 'comment' });
    expect(comment).toMatchObject({ status: 201, body: { kind: 'update', visibility: 'comment' } });
    await f.synced(declared.id);
    await f.patchRecord(sysId, { work_notes: 'Failover started' });
    await f.patchRecord(sysId, { comments: 'Customers told' });

    const events = await applied(sysId, 2);
    expect(events.map((e) => [e.source, e.type, e.outcome])).toEqual([
      ['poll', 'incident.journal', 'applied'],
      ['poll', 'incident.journal', 'applied'],
    ]);
    const timeline = (await f.incident(declared.id)).updates!.map((u) => [u.source, u.kind, u.visibility, u.author, u.message]);
    expect(timeline.slice(0, 2)).toEqual([
      ['incident.io', 'update', 'work_note', null, 'Paged the database team'],
      ['incident.io', 'update', 'comment', null, 'We are investigating'],
    ]);
    // The two ServiceNow entries are usually stamped in the same second (sys_created_on has no finer
    // resolution), so ServiceNow gives them no order between them: compared as a set.
    expect(timeline.slice(2).sort()).toEqual([
      ['servicenow', 'comment', 'comment', USERS.itil.user, 'Customers told'],
      ['servicenow', 'work_note', 'work_note', USERS.itil.user, 'Failover started'],
    ]);
    const journal = await f.sn.list('sys_journal_field', { sysparm_query: `element_id=${sysId}^ORDERBYsys_created_on`, sysparm_fields: 'element,value,sys_created_by' });
    expect(journal.result.map((r) => [r.element, r.value, r.sys_created_by]).sort()).toEqual([
      ['comments', 'Customers told', USERS.itil.user],
      ['comments', 'We are investigating', USERS.svc.user],
      ['work_notes', 'Failover started', USERS.itil.user],
      ['work_notes', 'Paged the database team', USERS.svc.user],
    ]);
    await pollRuns(2);
    expect(await inboundEvents(sysId)).toHaveLength(2);
  });

  it('an update committed late, stamped inside the overlap window behind the cursor, is still seen', async () => {
    const late = await f.declare({ name: 'Polling: late commit', severity: 'minor' });
    const lateSysId = sysIdOf(await f.synced(late.id));
    const marker = await f.declare({ name: 'Polling: moves the cursor', severity: 'minor' });
    const markerSysId = sysIdOf(await f.synced(marker.id));
    await f.patchRecord(markerSysId, { short_description: 'Polling: cursor moved' });
    await applied(markerSysId, 1);
    const cursor = (await f.companion.store.sync.cursors.get(f.connection.id, 'incident'))!.cursor!;

    // A transaction that began 10 s ago commits now: its sys_updated_on is behind the cursor.
    const stamped = isoToGlide(new Date(Date.now() - 10_000));
    expect(stamped < cursor).toBe(true);
    const session = f.sn.engine.sessionForUser(USERS.itil.user)!;
    f.sn.engine.update('incident', lateSysId, { short_description: 'Polling: committed late', sys_updated_on: stamped }, { session, allowSystemFields: true });
    expect((await f.record(lateSysId, ['sys_updated_on', 'sys_mod_count']))).toEqual({ sys_updated_on: stamped, sys_mod_count: '1' });

    await waitFor(async () => (await f.incident(late.id)).name === 'Polling: committed late', { message: 'the late commit to be polled' });
    expect((await applied(lateSysId, 1))[0]).toMatchObject({ sequence: 1, outcome: 'applied' });
  });

  it('a change stamped before the overlap window is not seen: the window bounds the guarantee', async () => {
    const old = await f.declare({ name: 'Polling: too late', severity: 'minor' });
    const oldSysId = sysIdOf(await f.synced(old.id));
    await pollRuns(1);
    const session = f.sn.engine.sessionForUser(USERS.itil.user)!;
    const stamped = isoToGlide(new Date(Date.now() - 2 * OVERLAP_MS));
    f.sn.engine.update('incident', oldSysId, { short_description: 'Polling: outside the window', sys_updated_on: stamped }, { session, allowSystemFields: true });
    await pollRuns(3);
    expect(await inboundEvents(oldSysId)).toEqual([]);
    expect((await f.incident(old.id)).name).toBe('Polling: too late');
  });

  it('declares an unlinked priority 1 or 2 incident found by polling; ignores the others', async () => {
    const p2 = await f.sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'Polling: storage degraded', impact: 1, urgency: 2 } });
    expect(p2.status).toBe(201);
    const created = (p2.json as { result: { sys_id: string; number: string } }).result;
    const p5 = await f.sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'Polling: mouse broken' } });
    const p5Id = (p5.json as { result: { sys_id: string } }).result.sys_id;

    await applied(created.sys_id, 1);
    const list = (await f.api<{ incidents: IncidentView[] }>('GET', '/api/incidents?limit=200')).body.incidents;
    const declared = list.filter((i) => i.servicenow?.sys_id === created.sys_id);
    expect(declared).toHaveLength(1);
    expect(declared[0]).toMatchObject({ name: 'Polling: storage degraded', severity: 'major', servicenow: { number: created.number } });
    await pollRuns(2);
    expect(await inboundEvents(p5Id)).toEqual([]);
    expect(list.some((i) => i.servicenow?.sys_id === p5Id)).toBe(false);
  });

  it('while the instance fails, polling stops at its cursor and catches up afterwards', async () => {
    const declared = await f.declare({ name: 'Polling: outage', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    await f.sn.request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 1, errorStatus: 503, tables: ['incident'] } } });
    try {
      const session = f.sn.engine.sessionForUser(USERS.itil.user)!;
      f.sn.engine.update('incident', sysId, { short_description: 'Polling: changed during the outage' }, { session });
      await pollRuns(2);
      expect(await inboundEvents(sysId)).toEqual([]);
    } finally {
      await f.sn.request('DELETE', '/api/now/local/faults');
    }
    await waitFor(async () => (await f.incident(declared.id)).name === 'Polling: changed during the outage', { message: 'the change to be polled after the outage' });
  });
});
