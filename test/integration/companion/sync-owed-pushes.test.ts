import { OUTBOX_TABLE } from '../../../src/server/lib/constants';
import { USERS } from '../../helpers/instance';
import { startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { nextSecond, waitFor } from '../../helpers/wait-for';

/**
 * Issue 8: a write must know when ServiceNow changed a field, and only the app's pushes say so. When
 * they wait in the app's outbox (the companion was down, the webhook fails), the companion reads them
 * from the outbox table instead of waiting for the app's retries (pushWaitMs, 60 s, is far beyond
 * every wait here: a test that passes did not wait for it). The local instance runs the app's real
 * build; its outbound HTTP is made to fail, so no push is delivered during the test.
 */

jest.setTimeout(90_000);

let f: SyncFixture;

beforeAll(async () => {
  f = await startRealtimeFixture();
});
afterAll(async () => {
  await f?.sn.request('DELETE', '/api/now/local/faults');
  await f?.close();
});

const ITIL = { user: USERS.itil.user, password: USERS.itil.password };

async function outboxOf(sysId: string): Promise<Array<Record<string, string>>> {
  const res = await f.sn.list('x_incident_io_outbound_event', { sysparm_query: `incident_sys_id=${sysId}^ORDERBYorder_key`, sysparm_fields: 'event_id,event_type,state,sequence' });
  return res.result as Array<Record<string, string>>;
}

it("a queued write whose read is ahead of what was pushed reads the app's outbox and decides on the pushes' times, not the read's", async () => {
  const declared = await f.declare({ name: 'Checkout errors', severity: 'minor', status: 'investigating' });
  const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
  const delivered = (await outboxOf(sysId)).length;

  expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);
  // 1. A ServiceNow user resolves the incident; its push cannot be delivered.
  await f.patchRecord(sysId, { state: '6', close_code: 'Solution provided', close_notes: 'Restarted' }, ITIL);
  const resolvedAt = Date.now();
  await waitFor(async () => (await outboxOf(sysId)).length > delivered, { message: 'the push of the resolution to be queued' });

  // 2. Writes to ServiceNow are held (a rate-limit pause), so the incident.io change below stays queued.
  const at = new Date();
  await f.companion.store.sync.pauses.pause({ connectionId: f.connection.id, until: new Date(at.getTime() + 3_600_000), nextProbeAt: new Date(at.getTime() + 3_600_000), retryAfterSeconds: null, reason: 'held by the test', at });
  await nextSecond(resolvedAt);
  // 3. A responder, who still sees the incident open, moves it to fixing: later than the resolution.
  expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { status: 'fixing' })).status).toBe(200);
  const fixingAt = Date.now();
  // 4. A ServiceNow user adds a work note after that: the record's last change is now later than the responder's.
  await nextSecond(fixingAt);
  await f.patchRecord(sysId, { work_notes: 'Watching the error rate' }, ITIL);
  const undelivered = (await outboxOf(sysId)).filter((e) => e.state !== 'delivered');
  expect(undelivered.map((e) => e.event_type)).toEqual(['incident.updated', 'incident.journal']);

  // 5. Writes resume. A read alone would say ServiceNow's resolution is the later change (the record
  // last changed after the responder's); the outbox's pushes say it came first.
  expect(await f.companion.store.sync.pauses.resume(f.connection.id)).toBe(true);
  f.companion.engine.wake();
  const view = await waitFor(async () => {
    const v = await f.incident(declared.id);
    return v.sync.pending_writes === 0 ? v : undefined;
  }, { message: 'the held write to be decided and sent', timeoutMs: 30_000 });

  expect(view.status).toBe('fixing');
  expect((await f.record(sysId)).state).toBe('2');
  // The pushes came from the outbox: the app has still delivered none of them.
  expect((await outboxOf(sysId)).filter((e) => e.state === 'delivered')).toHaveLength(delivered);
  const events = await f.companion.store.sync.inbound.listForIncident(f.connection.id, sysId);
  const byId = new Map(events.map((e) => [e.eventId, e]));
  for (const event of undelivered) expect(byId.get(event.event_id)).toMatchObject({ state: 'done' });
  expect(byId.get(undelivered[0]!.event_id)!.outcome).toBe('conflict');
  const updates = (await f.incident(declared.id)).updates ?? [];
  expect(updates.map((u) => u.message).join('\n')).toContain('Watching the error rate');
  const metrics = (await f.api<string>('GET', '/metrics')).body;
  for (const type of ['incident.updated', 'incident.journal']) {
    expect(metrics).toContain(`incident_sn_events_received_total{connection="local",source="outbox",type="${type}",result="stored"} 1`);
  }
});

it("a write whose own fields the read cannot mislead still waits for the pushes when a later queued write's field could be misled (no read's time drops it)", async () => {
  await f.sn.request('DELETE', '/api/now/local/faults');
  const declared = await f.declare({ name: 'Search is slow', summary: 'p99 up', severity: 'minor', status: 'investigating' });
  const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
  const store = f.companion.store.sync;
  expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);
  // 1. A ServiceNow user changes the description; its push cannot be delivered.
  await f.patchRecord(sysId, { description: 'from servicenow' }, ITIL);
  const describedAt = Date.now();
  // 2. Writes are held. At the head of the incident's queue: a name write the read cannot mislead
  // (changed after everything ServiceNow will show), then a note, so the next change is a write of its own.
  const at = new Date();
  await store.pauses.pause({ connectionId: f.connection.id, until: new Date(at.getTime() + 3_600_000), nextProbeAt: new Date(at.getTime() + 3_600_000), retryAfterSeconds: null, reason: 'held by the test', at });
  const renamedAt = new Date(Date.now() + 60_000);
  await store.transaction(async (tx) => {
    const incident = (await tx.incidents.getIncident(declared.id))!;
    const link = (await tx.incidents.getLink(declared.id))!;
    await tx.incidents.updateIncident(incident.id, incident.version, { name: 'Search is slow (EU)' }, at);
    const basis = { serviceNowModCount: link.lastAppliedModCount, incidentVersion: incident.version + 1 };
    await tx.outbound.enqueue({ incidentId: incident.id, connectionId: f.connection.id, kind: 'update', payload: { fields: { name: { value: 'Search is slow (EU)', changedAt: renamedAt.toISOString(), basis } } }, createdAt: at });
  });
  expect((await f.api('POST', `/api/incidents/${declared.id}/updates`, { message: 'Looking at the index', author: 'Responder' })).status).toBe(201);
  // 3. A responder then sets the summary: later than ServiceNow's description.
  await nextSecond(describedAt);
  expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { summary: 'from incident.io' })).status).toBe(200);
  const summarizedAt = Date.now();
  // 4. A ServiceNow user adds a work note after that: the record's last change is later than the responder's.
  await nextSecond(summarizedAt);
  await f.patchRecord(sysId, { work_notes: 'Reindexing' }, ITIL);

  // 5. Writes resume. The name write goes first; its read must not decide the summary on the record's time.
  expect(await store.pauses.resume(f.connection.id)).toBe(true);
  f.companion.engine.wake();
  const view = await waitFor(async () => {
    const v = await f.incident(declared.id);
    return v.sync.pending_writes === 0 ? v : undefined;
  }, { message: 'the held writes to be decided and sent', timeoutMs: 30_000 });
  expect([view.name, view.summary]).toEqual(['Search is slow (EU)', 'from incident.io']);
  expect(await f.record(sysId, ['short_description', 'description'])).toEqual({ short_description: 'Search is slow (EU)', description: 'from incident.io' });
});

describe('a record people keep changing while a write waits for its pushes', () => {
  // A short bound, so the test sees it end; the product's is 60 s.
  let g: SyncFixture;
  beforeAll(async () => {
    g = await startRealtimeFixture({ companion: { sync: { timings: { pushWaitMs: 2_000 } } } });
  });
  afterAll(async () => {
    await g?.sn.request('DELETE', '/api/now/local/faults');
    await g?.close();
  });

  it('holds the write no longer than the bound, then the pushes applied decide, not the read\'s time', async () => {
    const f = g;
    await f.sn.request('DELETE', '/api/now/local/faults');
    const declared = await f.declare({ name: 'Queue backlog', summary: 'consumers lag', severity: 'minor', status: 'investigating' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);
    // 1. A ServiceNow user renames the incident (its push cannot be delivered); writes are held.
    await f.patchRecord(sysId, { short_description: 'Queue backlog (servicenow)' }, ITIL);
    const renamedInServiceNowAt = Date.now();
    const at = new Date();
    await store.pauses.pause({ connectionId: f.connection.id, until: new Date(at.getTime() + 3_600_000), nextProbeAt: new Date(at.getTime() + 3_600_000), retryAfterSeconds: null, reason: 'held by the test', at });
    // 2. A responder renames it later; then ServiceNow users keep adding work notes, every change later than the responder's.
    await nextSecond(renamedInServiceNowAt);
    expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { name: 'Queue backlog (incident.io)' })).status).toBe(200);
    const renamedAt = Date.now();
    await nextSecond(renamedAt);
    // Two people at once, without a pause: the record is always ahead of what the companion has applied.
    let notes = 0;
    let writing = true;
    const person = async (): Promise<void> => {
      while (writing && notes < 1_000) await f.patchRecord(sysId, { work_notes: `Still draining ${++notes}` }, ITIL);
    };
    const noting = Promise.all([person(), person()]);
    // The notes' pushes cannot be delivered, and their events cannot be read from the app's outbox
    // either: the companion stays behind the record whatever its speed (an apply worker that keeps up
    // with the outbox reads would leave the write nothing to wait for).
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 1, errorStatus: 500, tables: [OUTBOX_TABLE] } } })).status).toBe(200);
    try {
      // 3. Writes resume while the notes go on. The write reads the outbox's pushes and waits for them
      // while more keep coming; once the bound is over it is decided on the pushes applied (the
      // responder's name is the later change), not on the read's time (a work note's, later still).
      expect(await store.pauses.resume(f.connection.id)).toBe(true);
      f.companion.engine.wake();
      const op = await waitFor(async () => (await store.outbound.listForIncident(declared.id)).find((o) => o.kind === 'update' && o.state === 'done' && o.createdAt.getTime() >= renamedAt - 1_000), {
        message: 'the write to be sent while the record keeps changing',
        timeoutMs: 20_000,
      });
      expect(op.attempts).toBeGreaterThan(1);
    } finally {
      writing = false;
      await noting;
    }
    expect(notes).toBeGreaterThan(0);
    expect((await f.record(sysId, ['short_description'])).short_description).toBe('Queue backlog (incident.io)');
    expect((await f.incident(declared.id)).name).toBe('Queue backlog (incident.io)');
  });
});
