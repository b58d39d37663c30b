import { deliverEvent, undeliveredEvents } from '../../helpers/app-outbox';
import { sentByReplicaThatDies } from '../../helpers/dying-replica';
import { USERS } from '../../helpers/instance';
import { startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { nextSecond, waitFor } from '../../helpers/wait-for';

/**
 * The crash-restart fault suite's revert (CI run 18: a responder's later "critical" lost to an older
 * ServiceNow "major" on both sides). A write of the companion lands over a ServiceNow change it did
 * not know; that change is later than the write, so it is restored (docs/sync.md, own writes). But a
 * responder changed the field again after that ServiceNow change, and that write is still queued:
 * the restore must not put the older ServiceNow value back, neither in the incident nor after the
 * responder's write lands. The local instance runs the app's real build; its outbound HTTP fails, so
 * the ServiceNow user's push waits in the app's outbox, as it does while the companion restarts.
 */

jest.setTimeout(150_000);

const ITIL = { user: USERS.itil.user, password: USERS.itil.password };

async function drained(f: SyncFixture, id: string) {
  return waitFor(async () => {
    const view = await f.incident(id);
    return view.sync.pending_writes === 0 ? view : undefined;
  }, { message: 'every write to be decided and sent', timeoutMs: 60_000 });
}

describe("a dead replica's write taken over after a restart", () => {
  let f: SyncFixture;
  // Long leases: the dead replica's write stays claimed until the test frees it.
  beforeAll(async () => {
    f = await startRealtimeFixture({ companion: { sync: { timings: { heartbeatMs: 1_000, staleAfterMs: 120_000 } } } });
  });
  afterAll(async () => {
    await f?.sn.request('DELETE', '/api/now/local/faults');
    await f?.close();
  });

  it("a ServiceNow change a dead replica's write overwrote is not restored over a responder's later change still queued", async () => {
    const declared = await f.declare({ name: 'Payments slow', severity: 'critical', status: 'investigating' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);

    // 1. A responder set minor five seconds ago; a replica sent that write and died before recording its answer.
    const writeId = await sentByReplicaThatDies(f, declared.id, 'replica-killed-mid-write', { severity: 'minor' });
    // 2. A ServiceNow user sets major (later than minor); the push waits in the app's outbox.
    await f.patchRecord(sysId, { impact: '1', urgency: '2' }, ITIL);
    const majorAt = Date.now();
    const [major] = await waitFor(async () => {
      const events = await undeliveredEvents(f, sysId);
      return events.length === 1 ? events : undefined;
    }, { message: "the major's event in the app's outbox" });
    // 3. The replica's write lands over it (the integration user's PATCH: the app pushes nothing).
    await f.patchRecord(sysId, { impact: '2', urgency: '2' }, USERS.svc);
    // 4. A responder sets critical, later than the ServiceNow user's major: queued behind the dead replica's write.
    await nextSecond(majorAt);
    expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { severity: 'critical' })).status).toBe(200);

    // 5. The companion restarts: the dead replica's write is taken over, its landing recorded, and the
    //    major it overwrote is read from the app's outbox. The responder's critical is the latest change.
    await store.owners.reclaim('replica-killed-mid-write', new Date());
    f.companion.engine.wake();
    const view = await drained(f, declared.id);

    expect((await store.outbound.listForIncident(declared.id)).find((o) => o.id === writeId)?.state).toBe('done');
    // The major was read from the outbox and applied (so the restore was decided on it), not waited out.
    const applied = await store.inbound.listForIncident(f.connection.id, sysId);
    expect(applied.find((e) => e.eventId === major!.event_id)?.state).toBe('done');
    expect(view.severity).toBe('critical');
    expect(await f.record(sysId, ['impact', 'urgency', 'priority'])).toEqual({ impact: '1', urgency: '1', priority: '1' });
  });
});

describe("pushes that come after the write's landing was recorded", () => {
  let f: SyncFixture;
  // The ServiceNow user's push stays in the app's outbox until the test delivers it, after the
  // responder's change (as after a restart, when the companion applies a backlog of pushes while people
  // change incidents): the outbox cannot be read, and a write waits for pushes 1 ms at most.
  beforeAll(async () => {
    f = await startRealtimeFixture({ companion: { sync: { timings: { heartbeatMs: 1_000, staleAfterMs: 120_000, pushWaitMs: 1 } } } });
  });
  afterAll(async () => {
    await f?.sn.request('DELETE', '/api/now/local/faults');
    await f?.close();
  });

  it("is not restored over a responder's later change that sent nothing (ServiceNow held its value)", async () => {
    const declared = await f.declare({ name: 'Queue backlog', severity: 'critical', status: 'investigating' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    const outboxUnreadable = { outbound: { failRate: 1 }, table: { errorRate: 1, errorStatus: 503, tables: ['x_incident_io_outbound_event'] } };
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: outboxUnreadable })).status).toBe(200);

    // 1. As above: minor, sent by a replica that died; major by a ServiceNow user; minor lands over it.
    const writeId = await sentByReplicaThatDies(f, declared.id, 'replica-killed-before-recording', { severity: 'minor' });
    await f.patchRecord(sysId, { impact: '1', urgency: '2' }, ITIL);
    const majorAt = Date.now();
    await f.patchRecord(sysId, { impact: '2', urgency: '2' }, USERS.svc);
    // 2. The write is taken over and its landing recorded; the major's push has not come.
    await store.owners.reclaim('replica-killed-before-recording', new Date());
    f.companion.engine.wake();
    await drained(f, declared.id);
    expect((await store.outbound.listForIncident(declared.id)).find((o) => o.id === writeId)?.state).toBe('done');
    // 3. A responder, seeing minor, sets minor again, later than the major: ServiceNow holds minor, so nothing is sent.
    await nextSecond(majorAt);
    const writesBefore = await f.writes();
    expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { severity: 'minor' })).status).toBe(200);
    await drained(f, declared.id);
    expect(await f.writes()).toEqual(writesBefore);

    // 4. The major's push comes now: older than the responder's minor, it changes nothing.
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 0 } } })).status).toBe(200);
    const [major] = await undeliveredEvents(f, sysId);
    expect(await deliverEvent(f, sysId, major!)).toBe('stale');
    const view = await drained(f, declared.id);
    expect(view.severity).toBe('minor');
    expect(await f.record(sysId, ['impact', 'urgency', 'priority'])).toEqual({ impact: '2', urgency: '2', priority: '3' });
  });
  // The crash-restart suite (seed 643) found this: a write decided on the pushes applied landed over
  // several ServiceNow changes of the severity, whose pushes came after it, in order. The first was
  // restored; the later ones changed nothing (the restore's write counted as made knowing them).
  it('restores the latest of several ServiceNow changes one write overwrote, whose pushes come after it in order', async () => {
    const declared = await f.declare({ name: 'Search errors', severity: 'critical', status: 'investigating' });
    const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
    const store = f.companion.store.sync;
    const outboxUnreadable = { outbound: { failRate: 1 }, table: { errorRate: 1, errorStatus: 503, tables: ['x_incident_io_outbound_event'] } };
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: outboxUnreadable })).status).toBe(200);

    // 1. minor, sent by a replica that died; a ServiceNow user sets major, then (a second later) critical; minor lands over both.
    await sentByReplicaThatDies(f, declared.id, 'replica-killed-over-two', { severity: 'minor' });
    await f.patchRecord(sysId, { impact: '1', urgency: '2' }, ITIL);
    await nextSecond(Date.now());
    await f.patchRecord(sysId, { impact: '1', urgency: '1' }, ITIL);
    await f.patchRecord(sysId, { impact: '2', urgency: '2' }, USERS.svc);
    // 2. The write is taken over and its landing recorded before the pushes come.
    await store.owners.reclaim('replica-killed-over-two', new Date());
    f.companion.engine.wake();
    await drained(f, declared.id);

    // 3. The pushes come in order: major, then critical. The later one, critical, is the value on both sides.
    expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { table: { errorRate: 0 } } })).status).toBe(200);
    const [major, critical] = await undeliveredEvents(f, sysId);
    await deliverEvent(f, sysId, major!);
    await deliverEvent(f, sysId, critical!);
    const view = await drained(f, declared.id);
    expect(view.severity).toBe('critical');
    expect(await f.record(sysId, ['impact', 'urgency', 'priority'])).toEqual({ impact: '1', urgency: '1', priority: '1' });
  });
});
