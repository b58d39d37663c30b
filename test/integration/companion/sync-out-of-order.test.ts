import { deliverEvent, undeliveredEvents, type OutboxEvent } from '../../helpers/app-outbox';
import { USERS } from '../../helpers/instance';
import { startRealtimeFixture, type SyncFixture } from '../../helpers/sync-fixture';
import { nextSecond, waitFor } from '../../helpers/wait-for';

/**
 * An incident's pushes arriving out of order: the app's "Resend" of a dead event after later ones
 * were delivered, the outbox read racing live pushes, a push retried after a later one. A push after
 * a gap shows the missing versions' changes too, but not when they were made: they must not take
 * its time. The local instance runs the app's real build; its outbound HTTP fails, so the app
 * delivers nothing, and the test delivers the app's own events (same ids and bodies, read from its
 * outbox) in the order it chooses.
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

const undelivered = (sysId: string) => undeliveredEvents(f, sysId);
const deliver = (sysId: string, event: OutboxEvent) => deliverEvent(f, sysId, event);

/** A new incident, synced, whose pushes the app cannot deliver from now on (writes not held yet). */
async function undeliverable(name: string): Promise<{ id: string; sysId: string }> {
  await f.sn.request('DELETE', '/api/now/local/faults');
  await f.companion.store.sync.pauses.resume(f.connection.id);
  const declared = await f.declare({ name, severity: 'minor', status: 'investigating' });
  const sysId = (await f.synced(declared.id)).servicenow!.sys_id;
  expect((await f.sn.request('PUT', '/api/now/local/faults', { body: { outbound: { failRate: 1 } } })).status).toBe(200);
  return { id: declared.id, sysId };
}

/** Waits until `count` events of the record (other than `except`) wait in the outbox; oldest version first. */
async function undeliveredInOrder(sysId: string, count: number, except?: string): Promise<OutboxEvent[]> {
  const events = await waitFor(async () => {
    const rows = (await undelivered(sysId)).filter((e) => e.event_id !== except);
    return rows.length === count ? rows : undefined;
  }, { message: `${count} events in the outbox` });
  return [...events].sort((a, b) => Number(a.sequence) - Number(b.sequence));
}

async function holdWrites(): Promise<void> {
  const at = new Date();
  const later = new Date(at.getTime() + 3_600_000);
  await f.companion.store.sync.pauses.pause({ connectionId: f.connection.id, until: later, nextProbeAt: later, retryAfterSeconds: null, reason: 'held by the test', at });
}

async function releaseWrites(id: string) {
  expect(await f.companion.store.sync.pauses.resume(f.connection.id)).toBe(true);
  f.companion.engine.wake();
  return waitFor(async () => {
    const v = await f.incident(id);
    return v.sync.pending_writes === 0 ? v : undefined;
  }, { message: 'the held writes to be decided and sent', timeoutMs: 30_000 });
}

it("a push after a gap does not give the missing version's change its time: a responder's later change wins over an earlier ServiceNow change whose push comes last", async () => {
  const declared = await undeliverable('Cart errors');
  const { sysId } = declared;
  await holdWrites();

  // 1. A ServiceNow user makes it critical (version n+1); its push is not delivered.
  await f.patchRecord(sysId, { impact: '1', urgency: '1' }, ITIL);
  const criticalAt = Date.now();
  // 2. A responder, still seeing minor, sets major: later. The write is held (a rate-limit pause).
  await nextSecond(criticalAt);
  expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { severity: 'major' })).status).toBe(200);
  const majorAt = Date.now();
  // 3. A ServiceNow user renames it after that (version n+2).
  await nextSecond(majorAt);
  await f.patchRecord(sysId, { short_description: 'Cart errors (EU)' }, ITIL);

  // 4. The later push comes first: it shows priority 1, but its version did not change it.
  const [first, second] = await undeliveredInOrder(sysId, 2);
  await deliver(sysId, second!);
  expect((await f.incident(declared.id)).name).toBe('Cart errors (EU)');
  // 5. The earlier push comes last: it says when priority changed, before the responder's change.
  expect(await deliver(sysId, first!)).not.toBe('stale');

  const view = await releaseWrites(declared.id);
  expect([view.name, view.severity]).toEqual(['Cart errors (EU)', 'major']);
  expect(await f.record(sysId, ['short_description', 'priority'])).toEqual({ short_description: 'Cart errors (EU)', priority: '2' });
});

it("a ServiceNow change later than a responder's queued one still wins when its push comes after a later push", async () => {
  const declared = await undeliverable('Login slow');
  const { sysId } = declared;
  await holdWrites();

  // 1. A responder sets major; the write is held.
  expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { severity: 'major' })).status).toBe(200);
  const majorAt = Date.now();
  // 2. A ServiceNow user makes it critical after that (n+1), then renames it (n+2).
  await nextSecond(majorAt);
  await f.patchRecord(sysId, { impact: '1', urgency: '1' }, ITIL);
  const criticalAt = Date.now();
  await nextSecond(criticalAt);
  await f.patchRecord(sysId, { short_description: 'Login slow (EU)' }, ITIL);

  // 3. The pushes come in reverse order.
  const [first, second] = await undeliveredInOrder(sysId, 2);
  await deliver(sysId, second!);
  await deliver(sysId, first!);

  const view = await releaseWrites(declared.id);
  expect([view.name, view.severity]).toEqual(['Login slow (EU)', 'critical']);
  expect(await f.record(sysId, ['short_description', 'priority'])).toEqual({ short_description: 'Login slow (EU)', priority: '1' });
});

it("a ServiceNow change set and set back (A → B → A) whose push comes after a later push still beats a responder's earlier queued change", async () => {
  const declared = await undeliverable('Search down');
  const { sysId } = declared;
  // 1. A ServiceNow user makes it critical; the push is delivered: both sides critical.
  await f.patchRecord(sysId, { impact: '1', urgency: '1' }, ITIL);
  const [critical] = await undeliveredInOrder(sysId, 1);
  await deliver(sysId, critical!);
  expect((await f.incident(declared.id)).severity).toBe('critical');
  await holdWrites();

  // 2. A responder sets major; the write is held.
  expect((await f.api('PATCH', `/api/incidents/${declared.id}`, { severity: 'major' })).status).toBe(200);
  const majorAt = Date.now();
  // 3. After that, a ServiceNow user sets it high, then critical again (later than the responder), then renames it.
  await nextSecond(majorAt);
  await f.patchRecord(sysId, { impact: '2', urgency: '1' }, ITIL);
  await f.patchRecord(sysId, { impact: '1', urgency: '1' }, ITIL);
  await f.patchRecord(sysId, { short_description: 'Search down (EU)' }, ITIL);

  // 4. The rename's push comes first (priority is what the companion knew: it says nothing), then critical's, then high's.
  const [high, again, renamed] = await undeliveredInOrder(sysId, 3, critical!.event_id);
  await deliver(sysId, renamed!);
  await deliver(sysId, again!);
  await deliver(sysId, high!);

  const view = await releaseWrites(declared.id);
  expect([view.name, view.severity]).toEqual(['Search down (EU)', 'critical']);
  expect(await f.record(sysId, ['short_description', 'priority'])).toEqual({ short_description: 'Search down (EU)', priority: '1' });
});
