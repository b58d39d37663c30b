import Database from 'better-sqlite3';
import { APP_API } from '../../helpers/app-instance';
import { signBody } from '../../helpers/hmac';
import { USERS } from '../../helpers/instance';
import { CONNECTION, startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { postPush, pushBodyFor, signedPush } from '../../helpers/sync-pushes';
import { waitFor } from '../../helpers/wait-for';
import type { IncidentView } from '../../../src/companion/server/incident-view';
import { parseMapping } from '../../../src/companion/sync/mapping';
import { Secret } from '../../../src/companion/store';

/**
 * The sync end to end in real time: the local instance runs the app's real build (its business
 * rules push signed events within milliseconds), the companion runs in this process, connect
 * configured one to push to the other. Every assertion waits on a condition, never on a delay.
 */

let f: SyncFixture;

beforeAll(async () => {
  f = await startRealtimeFixture({
    companion: {
      mapping: parseMapping({
        assignmentGroup: 'Incident Management',
        createFields: { category: 'software' },
        declare: { priorities: ['1'], activeOnly: true },
      }),
    },
  });
});
afterAll(async () => {
  await f?.close();
});

const sysIdOf = (view: IncidentView): string => view.servicenow!.sys_id;

async function userSysId(userName: string): Promise<string> {
  const res = await f.sn.list('sys_user', { sysparm_query: `user_name=${userName}`, sysparm_fields: 'sys_id' });
  return String(res.result[0]!.sys_id);
}

/** The app's outbox rows for an incident (each is one push). */
async function outbox(sysId: string): Promise<Array<Record<string, string>>> {
  const res = await f.sn.list('x_incident_io_outbound_event', { sysparm_query: `incident_sys_id=${sysId}^ORDERBYorder_key`, sysparm_fields: 'event_type,state,sequence' });
  return res.result as Array<Record<string, string>>;
}

/** Waits until the app has delivered everything it queued (no async job left, nothing undelivered). */
async function appDrained(): Promise<void> {
  await waitFor(
    async () => {
      const jobs = await f.sn.list('sys_trigger', { sysparm_query: 'job_type=async_business_rule^state!=done', sysparm_fields: 'sys_id' });
      const pending = await f.sn.list('x_incident_io_outbound_event', { sysparm_query: 'stateINqueued,sending,failed', sysparm_fields: 'sys_id' });
      return jobs.result.length === 0 && pending.result.length === 0;
    },
    { message: 'the app to deliver its pushes' },
  );
}

async function inboundEvents(sysId: string) {
  return f.companion.store.sync.inbound.listForIncident(f.connection.id, sysId);
}

/** Waits until every stored event of this record has been applied. */
async function applied(sysId: string, count: number) {
  return waitFor(
    async () => {
      const events = await inboundEvents(sysId);
      return events.length === count && events.every((e) => e.state === 'done') ? events : undefined;
    },
    { message: `${count} event(s) of ${sysId} to be applied` },
  );
}

/** Writes the companion made that ServiceNow accepted (from its client's onResponse). */
const writes = () => f.writes();

describe('incident.io → ServiceNow', () => {
  it('declaring creates one ServiceNow incident with the mapped fields, opened by the service account, and nothing comes back', async () => {
    const before = await writes();
    const declared = await f.declare({ name: 'Checkout errors', summary: 'Card payments fail in the EU', severity: 'critical', status: 'investigating', lead: 'Alice.Chen@example.com' });
    expect(declared).toMatchObject({ reference: expect.stringMatching(/^INC-\d+$/), lead: 'alice.chen@example.com', servicenow: null, connection: CONNECTION });

    const synced = await f.synced(declared.id);
    expect(synced.servicenow).toMatchObject({ connection: CONNECTION, number: expect.stringMatching(/^INC\d{7}$/), deleted: false });
    expect(synced.servicenow!.url).toBe(`${f.sn.url}/incident.do?sys_id=${sysIdOf(synced)}`);

    const record = await f.record(sysIdOf(synced));
    const group = await f.sn.list('sys_user_group', { sysparm_query: 'name=Incident Management', sysparm_fields: 'sys_id' });
    expect(record).toMatchObject({
      number: synced.servicenow!.number,
      short_description: 'Checkout errors',
      description: 'Card payments fail in the EU',
      impact: '1',
      urgency: '1',
      priority: '1',
      state: '2',
      assigned_to: await userSysId('alice.chen'),
      assignment_group: String(group.result[0]!.sys_id),
      category: 'software',
      correlation_id: declared.id,
      correlation_display: 'incident.io',
      opened_by: await userSysId(USERS.svc.user),
      sys_created_by: USERS.svc.user,
      sys_mod_count: '0',
    });
    expect(await writes()).toEqual({ post: before.post + 1, patch: before.patch });
    // The app ignored the service account's insert: nothing was queued, nothing can come back.
    expect(await outbox(sysIdOf(synced))).toEqual([]);
    expect(await inboundEvents(sysIdOf(synced))).toEqual([]);
  });

  it('a change PATCHes only the mapped fields that changed, records the sys_mod_count, and the app pushes nothing back', async () => {
    const declared = await f.declare({ name: 'Search latency', severity: 'minor', status: 'investigating', lead: null });
    const sysId = sysIdOf(await f.synced(declared.id));
    const before = await writes();

    const res = await f.api<IncidentView>('PATCH', `/api/incidents/${declared.reference}`, { severity: 'major', lead: 'bob.patel@example.com', summary: '' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ severity: 'major', lead: 'bob.patel@example.com', summary: '' });
    await f.synced(declared.id);

    const record = await f.record(sysId);
    expect(record).toMatchObject({ impact: '1', urgency: '2', priority: '2', assigned_to: await userSysId('bob.patel'), short_description: 'Search latency', sys_mod_count: '1', sys_updated_by: USERS.svc.user });
    expect(await writes()).toEqual({ post: before.post, patch: before.patch + 1 });
    const ops = await f.companion.store.sync.outbound.listForIncident(declared.id);
    expect(ops.map((o) => [o.kind, o.state, o.resultModCount])).toEqual([
      ['create', 'done', 0],
      ['update', 'done', 1],
    ]);
    const link = await f.companion.store.sync.incidents.getLink(declared.id);
    expect(link).toMatchObject({ lastAppliedModCount: 1, lastWrittenModCount: 1, snapshot: expect.objectContaining({ impact: '1', urgency: '2', priority: '2', 'assigned_to.email': 'bob.patel@example.com' }) });
    expect(await outbox(sysId)).toEqual([]);

    // A status that maps to the state ServiceNow already has writes nothing at all.
    await f.api('PATCH', `/api/incidents/${declared.id}`, { status: 'fixing' });
    await f.synced(declared.id);
    expect(await writes()).toEqual({ post: before.post, patch: before.patch + 1 });
    expect((await f.record(sysId)).state).toBe('2');
  });

  it('resolving sends state 6 with the resolution fields ServiceNow requires; declining sends state 8', async () => {
    const declared = await f.declare({ name: 'Disk full on db-02', severity: 'major', status: 'fixing' });
    const sysId = sysIdOf(await f.synced(declared.id));

    await f.api('PATCH', `/api/incidents/${declared.id}`, { status: 'resolved' });
    await f.synced(declared.id);
    expect(await f.record(sysId)).toMatchObject({
      state: '6',
      close_code: 'Solution provided',
      close_notes: `Resolved in incident.io (${declared.reference}).`,
      sys_updated_by: USERS.svc.user,
    });
    expect((await f.incident(declared.id)).sync).toEqual({ pending_writes: 0, failed_writes: 0 });

    const other = await f.declare({ name: 'False alarm', severity: 'minor' });
    const otherSysId = sysIdOf(await f.synced(other.id));
    await f.api('PATCH', `/api/incidents/${other.id}`, { status: 'declined' });
    await f.synced(other.id);
    expect(await f.record(otherSysId)).toMatchObject({ state: '8', close_code: '' });
  });

  it('an update on the timeline becomes a work note by the service account, and is not pushed back', async () => {
    const declared = await f.declare({ name: 'Login loop', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const res = await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'Rolled back the auth deploy', author: 'Alice Chen' });
    expect(res.status).toBe(201);
    await f.synced(declared.id);

    const notes = await f.sn.list('sys_journal_field', { sysparm_query: `element_id=${sysId}`, sysparm_fields: 'element,value,sys_created_by' });
    expect(notes.result).toEqual([
      { element: 'work_notes', value: `Rolled back the auth deploy\n\n(Alice Chen in incident.io, ${declared.reference})`, sys_created_by: USERS.svc.user },
    ]);
    expect(await outbox(sysId)).toEqual([]);
    const timeline = (await f.incident(declared.id)).updates!;
    expect(timeline.map((u) => [u.source, u.kind, u.message])).toEqual([['incident.io', 'update', 'Rolled back the auth deploy']]);
  });

  it('a lead with no ServiceNow user leaves the incident unassigned and says so on the timeline', async () => {
    const declared = await f.declare({ name: 'Unknown lead', severity: 'minor', lead: 'nobody@example.org' });
    const synced = await f.synced(declared.id);
    expect((await f.record(sysIdOf(synced))).assigned_to).toBe('');
    expect(synced.lead).toBe('nobody@example.org');
    expect(synced.updates!.map((u) => [u.kind, u.message])).toEqual([
      ['notice', expect.stringContaining('The lead nobody@example.org has no active ServiceNow user with that email on "local"')],
    ]);
  });
});

describe('ServiceNow → incident.io', () => {
  it('a change made in ServiceNow arrives (status, severity, lead, name) and produces no write back', async () => {
    const declared = await f.declare({ name: 'Payments slow', severity: 'minor', status: 'investigating' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const before = await writes();

    await f.patchRecord(sysId, { short_description: 'Payments slow in EU', impact: '1', urgency: '1', assigned_to: await userSysId('carla.ruiz') });
    const arrived = await waitFor(async () => {
      const view = await f.incident(declared.id);
      return view.name === 'Payments slow in EU' ? view : undefined;
    }, { message: 'the ServiceNow change to arrive' });
    expect(arrived).toMatchObject({ severity: 'critical', lead: 'carla.ruiz@example.com', status: 'investigating' });

    const [event] = await applied(sysId, 1);
    expect(event).toMatchObject({ source: 'push', type: 'incident.updated', sequence: 1, outcome: 'applied' });
    expect(await writes()).toEqual(before);
    expect(await f.companion.store.sync.outbound.listOpen(declared.id)).toEqual([]);
    expect((await f.record(sysId)).sys_mod_count).toBe('1');
  });

  it('an open state does not move an open status back; resolving and reopening in ServiceNow do', async () => {
    const declared = await f.declare({ name: 'Cache stampede', severity: 'major', status: 'monitoring' });
    const sysId = sysIdOf(await f.synced(declared.id));

    await f.patchRecord(sysId, { state: '3' });
    await applied(sysId, 1);
    expect((await f.incident(declared.id)).status).toBe('monitoring');

    await f.patchRecord(sysId, { state: '6', close_code: 'Workaround provided', close_notes: 'Warmed the cache' });
    await applied(sysId, 2);
    expect((await f.incident(declared.id)).status).toBe('resolved');

    await f.patchRecord(sysId, { state: '2' });
    await applied(sysId, 3);
    expect((await f.incident(declared.id)).status).toBe('investigating');
  });

  it('comments and work notes land on the timeline once, with author and journal sys_id', async () => {
    const declared = await f.declare({ name: 'VPN drops', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const before = await writes();

    await f.patchRecord(sysId, { work_notes: 'Checked the concentrator', comments: 'Users in Berlin affected' });
    const events = await applied(sysId, 2);
    expect(events.map((e) => [e.type, e.outcome])).toEqual([
      ['incident.journal', 'applied'],
      ['incident.journal', 'applied'],
    ]);
    const timeline = (await f.incident(declared.id)).updates!;
    expect(timeline.map((u) => [u.source, u.kind, u.visibility, u.author, u.message]).sort()).toEqual([
      ['servicenow', 'comment', 'comment', USERS.itil.user, 'Users in Berlin affected'],
      ['servicenow', 'work_note', 'work_note', USERS.itil.user, 'Checked the concentrator'],
    ]);
    const journal = await f.sn.list('sys_journal_field', { sysparm_query: `element_id=${sysId}`, sysparm_fields: 'sys_id' });
    expect(timeline.map((u) => u.servicenow_journal_sys_id).sort()).toEqual(journal.result.map((r) => r.sys_id).sort());
    expect(await writes()).toEqual(before);
  });

  it('a timeline update becomes a work note by default, or a customer-visible comment when it says so; neither comes back', async () => {
    const declared = await f.declare({ name: 'Mail delays', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const note = await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'Queue at 40k' });
    const comment = await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'Mail may be late', visibility: 'comment' });
    expect([note.status, comment.status]).toEqual([201, 201]);
    expect([(note.body as { visibility: string }).visibility, (comment.body as { visibility: string }).visibility]).toEqual(['work_note', 'comment']);
    const bad = await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'x', visibility: 'public' });
    expect(bad.status).toBe(400);
    await f.synced(declared.id);
    await appDrained();

    const journal = await f.sn.list('sys_journal_field', { sysparm_query: `element_id=${sysId}`, sysparm_fields: 'element,value,sys_created_by' });
    expect(journal.result.map((r) => [r.element, r.value, r.sys_created_by]).sort()).toEqual([
      ['comments', 'Mail may be late', USERS.svc.user],
      ['work_notes', 'Queue at 40k', USERS.svc.user],
    ]);
    // The app pushes nothing the integration user wrote.
    expect(await outbox(sysId)).toEqual([]);
    const timeline = (await f.incident(declared.id)).updates!;
    expect(timeline.map((u) => [u.source, u.kind, u.visibility, u.message])).toEqual([
      ['incident.io', 'update', 'work_note', 'Queue at 40k'],
      ['incident.io', 'update', 'comment', 'Mail may be late'],
    ]);
  });

  it('a priority 1 incident opened in ServiceNow is declared in incident.io and linked; a lower one is ignored', async () => {
    const p1 = await f.sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'Data centre power loss', impact: 1, urgency: 1, description: 'Rack row C' } });
    const p4 = await f.sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'Printer jam', impact: 3, urgency: 2 } });
    const p1Id = (p1.json as { result: { sys_id: string; number: string } }).result;
    const p4Id = (p4.json as { result: { sys_id: string } }).result.sys_id;
    await applied(p1Id.sys_id, 1);
    await applied(p4Id, 1);

    const list = (await f.api<{ incidents: IncidentView[] }>('GET', '/api/incidents?limit=200')).body.incidents;
    const declared = list.filter((i) => i.servicenow?.sys_id === p1Id.sys_id);
    expect(declared).toHaveLength(1);
    expect(declared[0]).toMatchObject({ name: 'Data centre power loss', summary: 'Rack row C', severity: 'critical', status: 'triage', servicenow: { number: p1Id.number } });
    expect(list.some((i) => i.servicenow?.sys_id === p4Id)).toBe(false);
    expect((await inboundEvents(p4Id))[0]!.outcome).toBe('unlinked');
    // Declaring from ServiceNow wrote nothing to ServiceNow.
    expect(await f.companion.store.sync.outbound.listForIncident(declared[0]!.id)).toEqual([]);
  });

  it('a deletion in ServiceNow marks the link deleted and says so; the incident stays', async () => {
    const declared = await f.declare({ name: 'Ghost alert', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const res = await f.sn.request('DELETE', `/api/now/table/incident/${sysId}`, { auth: USERS.itilAdmin });
    expect(res.status).toBe(204);
    await applied(sysId, 1);
    const view = await f.incident(declared.id);
    expect(view.servicenow).toMatchObject({ sys_id: sysId, deleted: true });
    expect(view.updates!.at(-1)!.message).toContain('was deleted in ServiceNow');
    // Later changes are not written anywhere.
    await f.api('PATCH', `/api/incidents/${declared.id}`, { name: 'Ghost alert (gone)' });
    expect((await f.incident(declared.id)).sync.pending_writes).toBe(0);
  });
});

describe('no echo, counted on both sides', () => {
  it('one change on either side is exactly one write on the other, and nothing comes back', async () => {
    const before = await writes();
    const declared = await f.declare({ name: 'Queue backlog', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    await f.api('PATCH', `/api/incidents/${declared.id}`, { name: 'Queue backlog (orders)' });
    await f.synced(declared.id);
    await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'Scaled consumers to 12' });
    await f.synced(declared.id);
    await f.patchRecord(sysId, { impact: '1', urgency: '2' });
    await f.patchRecord(sysId, { comments: 'Customers notified' });
    await applied(sysId, 2);
    await appDrained();

    // incident.io → ServiceNow: 1 create, 1 field update, 1 work note; ServiceNow → incident.io: 0 writes from the companion.
    expect(await writes()).toEqual({ post: before.post + 1, patch: before.patch + 2 });
    const record = await f.record(sysId);
    // create (0), our PATCH (1), our work note (2), itil's PATCH (3), itil's comment (4).
    expect(record.sys_mod_count).toBe('4');
    // The app pushed itil's two changes only.
    expect((await outbox(sysId)).map((e) => e.event_type)).toEqual(['incident.updated', 'incident.journal']);
    const view = await f.incident(declared.id);
    expect(view).toMatchObject({ name: 'Queue backlog (orders)', severity: 'major' });
    expect(view.updates!.map((u) => [u.source, u.message])).toEqual([
      ['incident.io', 'Scaled consumers to 12'],
      ['servicenow', 'Customers notified'],
    ]);
    expect((await f.companion.store.sync.outbound.listForIncident(declared.id)).map((o) => o.kind)).toEqual(['create', 'update', 'note']);
  });
});

describe('stale, duplicate and out-of-order events', () => {
  it('a replayed push (the app resends its events) is answered 2xx and changes nothing', async () => {
    const declared = await f.declare({ name: 'Replay me', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    await f.patchRecord(sysId, { short_description: 'Replay me (v2)' });
    await applied(sysId, 1);
    await appDrained();
    await f.api('PATCH', `/api/incidents/${declared.id}`, { name: 'Renamed in incident.io' });
    await f.synced(declared.id);

    const resend = await f.sn.request('POST', `${APP_API}/resend`, { auth: USERS.svc, body: { incident: sysId } });
    expect(resend.status).toBe(200);
    expect((resend.json as { result: { requeued: number } }).result.requeued).toBe(1);
    await appDrained();
    const received = await f.companion.engine.metrics.eventsReceived.get();
    expect(received.values.some((v) => v.labels.result === 'duplicate' && v.value >= 1)).toBe(true);
    expect(await inboundEvents(sysId)).toHaveLength(1);
    expect((await f.incident(declared.id)).name).toBe('Renamed in incident.io');
  });

  it('a signed push repeated byte for byte is stored once; sequence 3 after 5 changes nothing', async () => {
    const declared = await f.declare({ name: 'Ordering', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const secret = f.connection.signingSecret!.reveal();
    const record = await f.record(sysId);

    const five = signedPush(secret, pushBodyFor(record, { sequence: 5, changedFields: ['short_description'], values: { short_description: 'Ordering (seq 5)' } }));
    expect(await postPush(f.companion.url, CONNECTION, five)).toEqual({ status: 200, body: { status: 'stored', event_id: five.eventId } });
    expect(await postPush(f.companion.url, CONNECTION, five)).toEqual({ status: 200, body: { status: 'duplicate', event_id: five.eventId } });
    await applied(sysId, 1);
    expect((await f.incident(declared.id)).name).toBe('Ordering (seq 5)');

    const three = signedPush(secret, pushBodyFor(record, { sequence: 3, changedFields: ['short_description', 'state'], values: { short_description: 'Ordering (seq 3)', state: '3' } }));
    expect((await postPush(f.companion.url, CONNECTION, three)).status).toBe(200);
    const events = await applied(sysId, 2);
    expect(events.find((e) => e.eventId === three.eventId)!.outcome).toBe('stale');
    expect(await f.incident(declared.id)).toMatchObject({ name: 'Ordering (seq 5)', status: 'triage' });
  });

  it('refuses a forged signature, a stale one, a missing one, another content type, an unknown connection, a large body, invalid JSON and schema: each with its status and nothing stored', async () => {
    const declared = await f.declare({ name: 'Refusals', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const secret = f.connection.signingSecret!.reveal();
    const record = await f.record(sysId);
    const event = () => pushBodyFor(record, { sequence: 9, changedFields: ['short_description'], values: { short_description: 'Forged' } });
    const forged = signedPush(Buffer.alloc(32, 1).toString('base64'), event());
    const stale = signedPush(secret, event(), { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 });
    const good = signedPush(secret, event());
    const unsigned = { ...good, headers: { ...good.headers, 'x-incident-io-signature': '' } };
    const malformed = { ...good, headers: { ...good.headers, 'x-incident-io-signature': 'garbage' } };
    const textType = { ...good, headers: { ...good.headers, 'content-type': 'text/plain' } };
    const notJsonBody = '{"not json';
    const notJson = { body: notJsonBody, headers: { ...good.headers, 'x-incident-io-signature': signBody(secret, notJsonBody) } };
    const badSchemaBody = JSON.stringify({ ...event(), sequence: 'nine' });
    const badSchema = { body: badSchemaBody, headers: { ...good.headers, 'x-incident-io-signature': signBody(secret, badSchemaBody) } };
    const huge = { body: JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }), headers: good.headers };

    const cases: Array<[string, { body: string; headers: Record<string, string> }, string, number, string]> = [
      ['forged', forged, CONNECTION, 401, 'signature_mismatch'],
      ['stale', stale, CONNECTION, 401, 'stale_timestamp'],
      ['unsigned', unsigned, CONNECTION, 400, 'missing_signature'],
      ['malformed', malformed, CONNECTION, 400, 'malformed_signature'],
      ['text/plain', textType, CONNECTION, 415, 'unsupported_media_type'],
      ['unknown connection', good, 'elsewhere', 404, 'unknown_connection'],
      ['too large', huge, CONNECTION, 413, 'body_too_large'],
      ['not JSON', notJson, CONNECTION, 400, 'invalid_json'],
      ['bad schema', badSchema, CONNECTION, 400, 'invalid_schema'],
    ];
    for (const [what, push, connection, status, code] of cases) {
      const res = await postPush(f.companion.url, connection, push);
      expect([what, res.status, (res.body as { error: { code: string } }).error.code]).toEqual([what, status, code]);
    }
    expect(await inboundEvents(sysId)).toEqual([]);
    const rejected = await f.companion.engine.metrics.eventsRejected.get();
    const reasons = Object.fromEntries(rejected.values.map((v) => [v.labels.reason, v.value]));
    for (const [, , , , code] of cases) expect(reasons[code]).toBeGreaterThanOrEqual(1);
    expect((await f.incident(declared.id)).name).toBe('Refusals');
  });
});

describe('a newer app', () => {
  it('pushes an event type this companion does not know: acknowledged (so the app stops retrying), counted, and nothing stored or changed', async () => {
    const declared = await f.declare({ name: 'Newer app', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const secret = f.connection.signingSecret!.reveal();
    const record = await f.record(sysId);
    const { changed_fields: _changed, sequence: _sequence, ...envelope } = pushBodyFor(record, { sequence: 9, changedFields: [], values: {} });
    // A type no app pushes yet (incident.attachment was this example until 1.2.0 made it known).
    const future = { ...envelope, type: 'incident.sla_breach', sla: { sys_id: 'a'.repeat(32), name: 'P1 resolution' } };
    const push = signedPush(secret, future);
    const res = await postPush(f.companion.url, CONNECTION, push);
    expect(res).toEqual({ status: 200, body: { status: 'ignored', event_id: push.eventId } });
    // An unknown type with a broken envelope is still refused.
    const broken = signedPush(secret, { ...future, schema_version: 2 });
    expect((await postPush(f.companion.url, CONNECTION, broken)).status).toBe(400);

    expect(await inboundEvents(sysId)).toEqual([]);
    const received = await f.companion.engine.metrics.eventsReceived.get();
    expect(received.values.find((v) => v.labels.result === 'ignored')?.value).toBe(1);
    expect((await f.incident(declared.id)).updates).toEqual([]);
  });
});

describe('ServiceNow down', () => {
  it('writes queue up (coalesced, in order) and drain in order once ServiceNow answers again', async () => {
    const linked = await f.declare({ name: 'Before the outage', severity: 'minor' });
    const linkedSysId = sysIdOf(await f.synced(linked.id));
    const before = await writes();

    const faults = await f.sn.request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 1, errorStatus: 503, tables: ['incident'] } } });
    expect(faults.status).toBe(200);
    let restored = false;
    try {
      const fresh = await f.declare({ name: 'During the outage', severity: 'major' });
      await f.api('PATCH', `/api/incidents/${fresh.id}`, { name: 'During the outage (renamed)' });
      await f.api('PATCH', `/api/incidents/${linked.id}`, { name: 'v2' });
      await f.api('POST', `/api/incidents/${linked.id}/updates`, { message: 'note between renames' });
      await f.api('PATCH', `/api/incidents/${linked.id}`, { name: 'v3', severity: 'critical' });
      await f.api('PATCH', `/api/incidents/${linked.id}`, { name: 'v4' });

      // The create and the first update fail (503) and wait to be retried; nothing is dropped.
      await waitFor(async () => {
        const ops = [...(await f.companion.store.sync.outbound.listForIncident(fresh.id)), ...(await f.companion.store.sync.outbound.listForIncident(linked.id))];
        return ops.filter((o) => o.lastStatus === 503).length >= 2;
      }, { message: 'writes to fail with 503' });
      const metrics = (await f.api<string>('GET', '/metrics')).body;
      expect(metrics).toMatch(/incident_sn_outbound_queue_depth\{state="pending"\} [1-9]/);
      const queued = await f.companion.store.sync.outbound.listForIncident(linked.id);
      // v3 and v4 were coalesced into one update behind the note; the note kept its place.
      expect(queued.filter((o) => o.state !== 'done').map((o) => [o.kind, Object.keys(o.payload.fields ?? {}).sort()])).toEqual([
        ['update', ['name']],
        ['note', []],
        ['update', ['name', 'severity']],
      ]);

      await f.sn.request('DELETE', '/api/now/local/faults');
      restored = true;
      f.companion.engine.wake();
      const freshSynced = await waitFor(async () => {
        const view = await f.incident(fresh.id);
        return view.servicenow && view.sync.pending_writes === 0 ? view : undefined;
      }, { message: 'the queued create to drain', timeoutMs: 15_000 });
      await waitFor(async () => (await f.incident(linked.id)).sync.pending_writes === 0, { message: 'the queued updates to drain', timeoutMs: 15_000 });

      const freshRecord = await f.record(sysIdOf(freshSynced));
      expect(freshRecord).toMatchObject({ short_description: 'During the outage (renamed)', priority: '2' });
      const byCorrelation = await f.sn.list('incident', { sysparm_query: `correlation_id=${fresh.id}`, sysparm_fields: 'sys_id' });
      expect(byCorrelation.result).toHaveLength(1);
      expect(await f.record(linkedSysId)).toMatchObject({ short_description: 'v4', priority: '1' });
      const done = (await f.companion.store.sync.outbound.listForIncident(linked.id)).filter((o) => o.kind !== 'create');
      const modCounts = done.map((o) => o.resultModCount!);
      expect(modCounts).toEqual([...modCounts].sort((a, b) => a - b));
      expect(new Set(modCounts).size).toBe(3);
      // The rename of the fresh incident was merged into its create if that was still waiting, else it is one more PATCH.
      const freshPatches = (await f.companion.store.sync.outbound.listForIncident(fresh.id)).filter((o) => o.kind === 'update' && o.lastStatus === 200).length;
      expect(await writes()).toEqual({ post: before.post + 1, patch: before.patch + 3 + freshPatches });
    } finally {
      if (!restored) await f.sn.request('DELETE', '/api/now/local/faults');
    }
  });

  it('a create whose answer was lost (the companion died after ServiceNow stored it) is adopted, not duplicated', async () => {
    const declared = await f.declare({ name: 'Lost answer', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const before = await writes();

    // Rewind the companion's database to the moment after the POST reached ServiceNow, before its answer was recorded.
    const db = new Database(f.data.db);
    try {
      db.prepare('DELETE FROM sync_links WHERE incident_id = ?').run(declared.id);
      const rewound = db
        .prepare(`UPDATE sync_outbound_ops SET state = 'sending', lease_owner = 'a-replica-that-died', lease_expires_at = ?, attempts = 1, completed_at = NULL WHERE incident_id = ? AND kind = 'create'`)
        .run(new Date(Date.now() - 1000).toISOString(), declared.id);
      expect(rewound.changes).toBe(1);
    } finally {
      db.close();
    }
    expect((await f.incident(declared.id)).servicenow).toBeNull();
    f.companion.engine.wake();

    const adopted = await f.synced(declared.id);
    expect(adopted.servicenow!.sys_id).toBe(sysId);
    const byCorrelation = await f.sn.list('incident', { sysparm_query: `correlation_id=${declared.id}`, sysparm_fields: 'sys_id' });
    expect(byCorrelation.result).toHaveLength(1);
    expect(await writes()).toEqual(before);
    expect((await f.companion.engine.metrics.outboundWrites.get()).values.find((v) => v.labels.result === 'adopted')?.value).toBe(1);
  });
});

describe('operations', () => {
  it('/metrics exposes received, applied and rejected events, the lag, the queue depth and ServiceNow calls by status', async () => {
    const res = await f.api<string>('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/incident_sn_events_received_total\{connection="local",source="push",type="incident.updated",result="stored"\} [1-9]/);
    expect(text).toMatch(/incident_sn_events_processed_total\{connection="local",source="push",type="incident.updated",outcome="applied"\} [1-9]/);
    expect(text).toMatch(/incident_sn_events_applied_total\{connection="local",source="push"\} [1-9]/);
    expect(text).toMatch(/incident_sn_events_rejected_total\{reason="signature_mismatch"\} [1-9]/);
    expect(text).toMatch(/incident_sn_sync_lag_seconds_count\{source="push"\} [1-9]/);
    expect(text).toMatch(/incident_sn_outbound_queue_depth\{state="pending"\} 0/);
    expect(text).toMatch(/incident_sn_servicenow_api_calls_total\{connection="local",method="POST",route="\/api\/now\/table\/incident",status="201"\} [1-9]/);
    // An update reads the record before it writes (docs/sync.md, versioned writes): the read is what got the 503.
    expect(text).toMatch(/incident_sn_servicenow_api_calls_total\{connection="local",method="GET",route="\/api\/now\/table\/incident\/\{sys_id\}",status="503"\} [1-9]/);
  });

  it('/healthz reports the store and the workers', async () => {
    const res = await f.api<{ status: string; store: string; workers: Record<string, { running: boolean }> }>('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store: 'ok', workers: { inbound: { running: true }, outbound: { running: true }, poller: { running: true } } });
  });
});

describe('a secret rotated while serving', () => {
  it('accepts a push signed with the new secret at once, though the companion had the old one cached', async () => {
    const declared = await f.declare({ name: 'Rotation', severity: 'minor' });
    const sysId = sysIdOf(await f.synced(declared.id));
    const record = await f.record(sysId);
    // Warm the registry's cache with the current connection.
    const warm = signedPush(f.connection.signingSecret!.reveal(), pushBodyFor(record, { sequence: 1, changedFields: ['short_description'], values: { short_description: 'Rotation 1' } }));
    expect((await postPush(f.companion.url, CONNECTION, warm)).status).toBe(200);

    // What `incident-sn connect` does on a re-run: a new signing secret, stored while serving.
    const current = (await f.companion.store.getConnection(CONNECTION))!;
    const rotated = Buffer.alloc(32, 7).toString('base64');
    const { id: _id, previousSigningSecret: _p, signingSecretRotatedAt: _r, createdAt: _c, updatedAt: _u, lastCheck: _l, ...input } = current;
    expect((await f.companion.store.saveConnection({ ...input, signingSecret: new Secret(rotated) })).rotated).toBe(true);

    const push = signedPush(rotated, pushBodyFor(record, { sequence: 2, changedFields: ['short_description'], values: { short_description: 'Rotation 2' } }));
    expect((await postPush(f.companion.url, CONNECTION, push)).status).toBe(200);
    await applied(sysId, 2);
    expect((await f.incident(declared.id)).name).toBe('Rotation 2');
  });
});
