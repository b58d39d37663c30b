import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore, type Connection, type SqliteCompanionStore } from '../../../../src/companion/store';
import type { SqliteThreadStats } from '../../../../src/companion/store/sqlite-thread';
import type { NewInboundEvent } from '../../../../src/companion/store/sync-store';
import { ConnectionRegistry } from '../../../../src/companion/sync/connection-registry';
import { APPLY_BATCH, InboundProcessor } from '../../../../src/companion/sync/inbound-processor';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { SyncMetrics } from '../../../../src/companion/sync/metrics';
import { orderKeyOf, type InboundChange } from '../../../../src/companion/sync/servicenow-record';
import { silentLogger } from '../../../../src/shared/logger';
import { insertTestIncident, saveTestConnection } from '../../../helpers/sync-store-fixture';

/**
 * The apply worker on the companion server's store (SQLite on its own thread): a step claims due
 * events and applies them in one transaction job, one message to the store's thread. Counted on the
 * thread: one commit for the claim and the apply together (no commit of a claim on its own), no
 * transaction that holds the write lock across a round trip to the event loop, and an incident's
 * queued events applied several per commit, each its own decision, in order.
 */

const SNAPSHOT = { short_description: 'DB down', description: '', state: '2', priority: '2', impact: '1', urgency: '2', assigned_to: '', 'assigned_to.email': '', assignment_group: '', 'assignment_group.name': '', close_code: '', close_notes: '' };

let dir: string;
let store: SqliteCompanionStore;
let connection: Connection;
let registry: ConnectionRegistry;
let processor: InboundProcessor;
const now = new Date('2026-03-01T12:00:00.000Z');
const metrics = new SyncMetrics({ outbound: async () => ({ pending: 0, sending: 0, done: 0, dead: 0, canceled: 0 }), inbound: async () => ({ pending: 0, processing: 0, done: 0, failed: 0 }) }, { defaultMetrics: false });

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-apply-thread-'));
  store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: true });
  connection = await saveTestConnection(store, { instanceUrl: 'http://127.0.0.1:9' });
  // Read again only when a test invalidates it: its own reads would add statements to the counts
  // below, and read a connection saved later, whenever a slow run outlives the default 2 s.
  registry = new ConnectionRegistry(store, { logger: silentLogger(), cacheMs: 3_600_000 });
  processor = processorWith(BATCH);
});
afterEach(async () => {
  await registry.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function processorWith(applyBatch: number | undefined): InboundProcessor {
  return new InboundProcessor({
    store,
    registry,
    mapping: DEFAULT_MAPPING,
    metrics,
    logger: silentLogger(),
    owner: 'inbound-test',
    clock: () => now,
    random: () => 0.5,
    leaseMs: 10_000,
    maxAttempts: 3,
    backoff: { baseMs: 1_000, maxMs: 1_000 },
    ...(applyBatch === undefined ? {} : { applyBatch }),
  });
}

/** An incident linked to the ServiceNow record `sysId`. */
async function linkedIncident(id: string, sysId: string, referenceNumber: number): Promise<void> {
  await insertTestIncident(store, { id, connectionId: connection.id, at: now, referenceNumber, name: 'DB down' });
  await store.sync.incidents.insertLink({ incidentId: id, connectionId: connection.id, sysId, number: `INC00${referenceNumber}`, lastAppliedModCount: 0, lastWrittenModCount: 0, snapshot: { ...SNAPSHOT } }, now);
}

function update(sysId: string, sequence: number, shortDescription: string): NewInboundEvent {
  const change: InboundChange = {
    type: 'incident.updated',
    sequence,
    occurredAt: now.toISOString(),
    changedFields: ['short_description'],
    record: { sysId, number: 'INC001', modCount: sequence, updatedAt: now.toISOString(), updatedBy: 'itil.user', active: true, correlationId: null, snapshot: { ...SNAPSHOT, short_description: shortDescription } },
  };
  return { connectionId: connection.id, eventId: `${sysId.slice(0, 4)}-${sequence}`, source: 'push', type: change.type, incidentSysId: sysId, sequence, orderKey: orderKeyOf(change.type, sequence, now), occurredAt: now, receivedAt: now, payload: change };
}

function delta(before: SqliteThreadStats, after: SqliteThreadStats): Pick<SqliteThreadStats, 'commits' | 'spanningTransactions' | 'jobs'> {
  return { commits: after.commits - before.commits, spanningTransactions: after.spanningTransactions - before.spanningTransactions, jobs: after.jobs - before.jobs };
}

const step = () => processor.step(new AbortController().signal);
/** Events of one record per job in these tests (the default is APPLY_BATCH: one). */
const BATCH = 16;

it('applies a stored push in one message to the store thread: its claim and its apply in one commit, no transaction across a round trip', async () => {
  await linkedIncident('i1', 'a'.repeat(32), 1);
  await store.ingest!.recordAll([update('a'.repeat(32), 1, 'DB down (EU)')]);
  const before = await store.thread!.stats();
  expect(await step()).toBe(true);
  expect(delta(before, await store.thread!.stats())).toEqual({ commits: 1, spanningTransactions: 0, jobs: 1 });
  expect(await store.sync.inbound.get(connection.id, 'aaaa-1')).toMatchObject({ state: 'done', outcome: 'applied', attempts: 1, leaseOwner: null });
  expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('DB down (EU)');
  // Nothing left: the next step claims nothing and says so.
  expect(await step()).toBe(false);
});

it("applies an incident's queued events in one commit, in order; another incident's in a commit of its own", async () => {
  const [a, b] = ['a'.repeat(32), 'b'.repeat(32)];
  await linkedIncident('i1', a, 1);
  await linkedIncident('i2', b, 2);
  // Stored newest first: the order key, not the order of arrival, decides.
  await store.ingest!.recordAll([update(a, 3, 'a3'), update(b, 2, 'b2'), update(a, 1, 'a1'), update(b, 1, 'b1'), update(a, 2, 'a2')]);
  const before = await store.thread!.stats();
  await step();
  const first = await store.sync.inbound.countByState();
  // One incident's whole queue (3 or 2 events), none of the other's.
  expect([2, 3]).toContain(first.done);
  expect(first.pending).toBe(5 - first.done);
  await step();
  expect(delta(before, await store.thread!.stats())).toEqual({ commits: 2, spanningTransactions: 0, jobs: 2 });
  expect(await store.sync.inbound.countByState()).toMatchObject({ done: 5, pending: 0, processing: 0, failed: 0 });
  // In order: each later change applied over the earlier one (a change older than the last applied would be stale).
  const outcomes = (await store.sync.inbound.listForIncident(connection.id, a)).map((e) => [e.sequence, e.outcome]);
  expect(outcomes).toEqual([
    [1, 'applied'],
    [2, 'applied'],
    [3, 'applied'],
  ]);
  expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a3');
  expect((await store.sync.incidents.getIncident('i2'))!.name).toBe('b2');
  expect(await store.sync.incidents.getLink('i1')).toMatchObject({ lastAppliedModCount: 3 });
  expect(await step()).toBe(false);
});

it(`applies at most ${BATCH} (applyBatch) events per commit`, async () => {
  const a = 'a'.repeat(32);
  await linkedIncident('i1', a, 1);
  const total = BATCH + 3;
  await store.ingest!.recordAll(Array.from({ length: total }, (_, i) => update(a, i + 1, `v${i + 1}`)));
  const before = await store.thread!.stats();
  await step();
  expect((await store.sync.inbound.countByState()).done).toBe(BATCH);
  await step();
  expect(delta(before, await store.thread!.stats())).toEqual({ commits: 2, spanningTransactions: 0, jobs: 2 });
  expect((await store.sync.inbound.countByState()).done).toBe(total);
  expect((await store.sync.incidents.getIncident('i1'))!.name).toBe(`v${total}`);
});

it('an event that cannot be read is set aside in the same commit; the events around it are applied', async () => {
  const a = 'a'.repeat(32);
  await linkedIncident('i1', a, 1);
  const bad = { ...update(a, 2, 'never'), eventId: 'bad', payload: { type: 'incident.bogus' } };
  await store.ingest!.recordAll([update(a, 1, 'a1'), bad, update(a, 3, 'a3')]);
  const before = await store.thread!.stats();
  await step();
  expect(delta(before, await store.thread!.stats())).toEqual({ commits: 1, spanningTransactions: 0, jobs: 1 });
  expect(await store.sync.inbound.get(connection.id, 'bad')).toMatchObject({ state: 'failed', outcome: 'failed' });
  expect((await store.sync.inbound.get(connection.id, 'bad'))!.lastError).toContain('unknown type');
  expect((await store.sync.inbound.countByState()).done).toBe(2);
  expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a3');
});

it('an event that needs ServiceNow is claimed, committed and handed back; when ServiceNow cannot be reached it is put back for a retry, the events before it applied', async () => {
  const a = 'a'.repeat(32);
  await linkedIncident('i1', a, 1);
  const attachment: NewInboundEvent = {
    ...update(a, 2, 'unused'),
    eventId: 'att',
    type: 'incident.attachment',
    payload: {
      ...(update(a, 2, 'unused').payload as InboundChange),
      type: 'incident.attachment',
      attachment: { sysId: 'f'.repeat(32), fileName: 'shot.png', sizeBytes: 10, author: 'itil.user', createdAt: now.toISOString() },
    },
  };
  attachment.orderKey = orderKeyOf(attachment.type, 2, now);
  await store.ingest!.recordAll([update(a, 1, 'a1'), attachment]);
  const before = await store.thread!.stats();
  await step();
  // The job (the first applied, the attachment claimed), then the retry's own update: no transaction across round trips.
  expect(delta(before, await store.thread!.stats())).toEqual({ commits: 2, spanningTransactions: 0, jobs: 1 });
  expect(await store.sync.inbound.get(connection.id, 'aaaa-1')).toMatchObject({ state: 'done', outcome: 'applied' });
  const retried = (await store.sync.inbound.get(connection.id, 'att'))!;
  expect(retried).toMatchObject({ state: 'pending', attempts: 1, leaseOwner: null });
  expect(retried.lastError).not.toBeNull();
  // The backoff of its first retry: half the cap plus half of it times random() (0.5).
  expect(retried.nextAttemptAt.getTime()).toBe(now.getTime() + 750);
});

it(`by default (APPLY_BATCH = ${APPLY_BATCH}) a job applies one event: the pushes' commits never wait behind a group`, async () => {
  const a = 'a'.repeat(32);
  await linkedIncident('i1', a, 1);
  await store.ingest!.recordAll([update(a, 1, 'a1'), update(a, 2, 'a2')]);
  const byDefault = processorWith(undefined);
  const before = await store.thread!.stats();
  await byDefault.step(new AbortController().signal);
  expect((await store.sync.inbound.countByState()).done).toBe(APPLY_BATCH);
  await byDefault.step(new AbortController().signal);
  expect(delta(before, await store.thread!.stats())).toEqual({ commits: 2, spanningTransactions: 0, jobs: 2 });
  expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a2');
});

describe('statements per applied event (the CPU of the real-time path on the store\'s thread)', () => {
  const a = 'a'.repeat(32);
  const statements = (before: SqliteThreadStats, after: SqliteThreadStats) => ({ statements: after.statements - before.statements, prepared: after.prepared - before.prepared });

  // The record's link is read once (the prepare's read serves the apply); nothing is compiled again after the first event.
  it('an update of a linked incident claimed and applied: claim, savepoint, link, incident, open writes, incident and link updates, done mark, release', async () => {
    await linkedIncident('i1', a, 1);
    await store.ingest!.recordAll([update(a, 1, 'a1'), update(a, 2, 'a2')]);
    const byDefault = processorWith(undefined);
    await byDefault.step(new AbortController().signal);
    const before = await store.thread!.stats();
    await byDefault.step(new AbortController().signal);
    expect(statements(before, await store.thread!.stats())).toEqual({ statements: 9, prepared: 0 });
    expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a2');
  });

  // Alone in its incident's queue: the check for open events first, then the apply, and the event stored done in one insert (no claim, no done mark).
  it('a quiet push stored and applied: the check for open events, savepoint, link, incident, open writes, incident and link updates, its insert as done, release', async () => {
    await linkedIncident('i1', a, 1);
    await processor.storeAndApply([update(a, 1, 'a1')]);
    const before = await store.thread!.stats();
    const [recorded] = await processor.storeAndApply([update(a, 2, 'a2')]);
    expect(recorded).toMatchObject({ stored: true, open: false });
    expect(statements(before, await store.thread!.stats())).toEqual({ statements: 9, prepared: 0 });
    expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a2');
  });
});

describe('storeAndApply: a quiet push stored and applied in one transaction', () => {
  const a = 'a'.repeat(32);
  const storeAndApply = (events: NewInboundEvent[]) => processor.storeAndApply(events);

  it('stores and applies an event next in its incident\'s queue with one commit, and says nothing is left for the worker', async () => {
    await linkedIncident('i1', a, 1);
    const before = await store.thread!.stats();
    const event = update(a, 1, 'DB down (EU)');
    const [recorded] = await storeAndApply([event]);
    expect(recorded).toMatchObject({ stored: true, open: false });
    // Sent to the thread as JSON text, stored as the same change.
    expect((await store.sync.inbound.get(connection.id, 'aaaa-1'))!.payload).toEqual(event.payload);
    expect(delta(before, await store.thread!.stats())).toEqual({ commits: 1, spanningTransactions: 0, jobs: 1 });
    // The row a claim and its done mark would have left.
    expect(await store.sync.inbound.get(connection.id, 'aaaa-1')).toEqual({
      ...event,
      id: recorded!.id,
      state: 'done',
      outcome: 'applied',
      attempts: 1,
      nextAttemptAt: now,
      leaseOwner: null,
      leaseExpiresAt: null,
      lastError: null,
      processedAt: now,
    });
    expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('DB down (EU)');
    expect(await step()).toBe(false);
  });

  it('undoes the apply of a push stored already (alone in its queue): a duplicate changes nothing, even with other content', async () => {
    await linkedIncident('i1', a, 1);
    const [first] = await storeAndApply([update(a, 1, 'a1')]);
    const [again] = await storeAndApply([{ ...update(a, 1, 'changed'), payload: { ...(update(a, 1, 'changed').payload as InboundChange), sequence: 5, record: { ...(update(a, 1, 'changed').payload as InboundChange).record, modCount: 5 } } }]);
    expect(again).toEqual({ stored: false, id: first!.id, open: false });
    expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a1');
    expect((await store.sync.incidents.getLink('i1'))!.lastAppliedModCount).toBe(1);
    expect(await store.sync.inbound.countByState()).toEqual({ pending: 0, processing: 0, done: 1, failed: 0 });
  });

  it('stores a push alone in its queue pending for the worker when it needs ServiceNow, or its payload cannot be read: nothing applied, no attempt counted', async () => {
    await linkedIncident('i1', a, 1);
    await linkedIncident('i2', 'b'.repeat(32), 2);
    const attachment: NewInboundEvent = {
      ...update(a, 2, 'unused'),
      eventId: 'att',
      type: 'incident.attachment',
      orderKey: orderKeyOf('incident.attachment', 2, now),
      payload: { ...(update(a, 2, 'unused').payload as InboundChange), type: 'incident.attachment', attachment: { sysId: 'f'.repeat(32), fileName: 'shot.png', sizeBytes: 10, author: 'itil.user', createdAt: now.toISOString() } },
    };
    const unreadable: NewInboundEvent = { ...update('b'.repeat(32), 1, 'b1'), payload: null, payloadJson: '{"type":"incident.updated"}' };
    const recorded = await storeAndApply([attachment, unreadable]);
    expect(recorded.map((r) => [r.stored, r.open])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(await store.sync.inbound.get(connection.id, 'att')).toMatchObject({ id: recorded[0]!.id, state: 'pending', attempts: 0, leaseOwner: null, lastError: null });
    expect(await store.sync.inbound.get(connection.id, 'bbbb-1')).toMatchObject({ id: recorded[1]!.id, state: 'pending', attempts: 0, leaseOwner: null, lastError: null });
  });

  it("applies several events of one incident in their order key's order, and a duplicate once", async () => {
    await linkedIncident('i1', a, 1);
    const recorded = await storeAndApply([update(a, 2, 'a2'), update(a, 1, 'a1')]);
    expect(recorded.map((r) => [r.stored, r.open])).toEqual([
      [true, false],
      [true, false],
    ]);
    expect((await store.sync.inbound.listForIncident(connection.id, a)).map((e) => [e.sequence, e.outcome])).toEqual([
      [1, 'applied'],
      [2, 'applied'],
    ]);
    const [again] = await storeAndApply([update(a, 2, 'a2')]);
    expect(again).toMatchObject({ stored: false, open: false, id: recorded[0]!.id });
    expect((await store.sync.inbound.countByState()).done).toBe(2);
    expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('a2');
  });

  it("leaves an event behind an earlier one still waiting for its retry to the worker, unclaimed", async () => {
    await linkedIncident('i1', a, 1);
    await store.ingest!.recordAll([update(a, 1, 'a1')]);
    const first = (await store.sync.inbound.claim({ owner: 'inbound-test', now, leaseMs: 10_000 }))!;
    await store.sync.inbound.retry(first.id, 'inbound-test', { nextAttemptAt: new Date(now.getTime() + 60_000), error: 'ServiceNow was down', now });
    const [recorded] = await storeAndApply([update(a, 2, 'a2')]);
    expect(recorded).toMatchObject({ stored: true, open: true });
    expect(await store.sync.inbound.get(connection.id, 'aaaa-2')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null });
    expect((await store.sync.incidents.getIncident('i1'))!.name).toBe('DB down');
  });

  it('leaves an event that needs ServiceNow (an attachment to fetch) pending for the worker, with no attempt counted; the one before it is applied', async () => {
    await linkedIncident('i1', a, 1);
    const attachment: NewInboundEvent = {
      ...update(a, 2, 'unused'),
      eventId: 'att',
      type: 'incident.attachment',
      orderKey: orderKeyOf('incident.attachment', 2, now),
      payload: {
        ...(update(a, 2, 'unused').payload as InboundChange),
        type: 'incident.attachment',
        attachment: { sysId: 'f'.repeat(32), fileName: 'shot.png', sizeBytes: 10, author: 'itil.user', createdAt: now.toISOString() },
      },
    };
    const recorded = await storeAndApply([update(a, 1, 'a1'), attachment]);
    expect(recorded.map((r) => r.open)).toEqual([true, true]);
    expect(await store.sync.inbound.get(connection.id, 'aaaa-1')).toMatchObject({ state: 'done', outcome: 'applied' });
    expect(await store.sync.inbound.get(connection.id, 'att')).toMatchObject({ state: 'pending', attempts: 0, leaseOwner: null, lastError: null });
  });

  it('leaves an event of a connection it does not know yet (saved after its list was read) to the worker', async () => {
    await registry.all();
    const later = await saveTestConnection(store, { name: 'later', instanceUrl: 'http://127.0.0.2:9' });
    const [recorded] = await storeAndApply([{ ...update(a, 1, 'a1'), connectionId: later.id }]);
    expect(recorded).toMatchObject({ stored: true, open: true });
    expect((await store.sync.inbound.countByState()).pending).toBe(1);
  });

  it('takes that connection once the registry read it again: the connections the store thread keeps between jobs are replaced', async () => {
    await registry.all();
    const later = await saveTestConnection(store, { name: 'later', instanceUrl: 'http://127.0.0.2:9' });
    await insertTestIncident(store, { id: 'i9', connectionId: later.id, at: now, referenceNumber: 9, name: 'DB down' });
    await store.sync.incidents.insertLink({ incidentId: 'i9', connectionId: later.id, sysId: a, number: 'INC009', lastAppliedModCount: 0, lastWrittenModCount: 0, snapshot: { ...SNAPSHOT } }, now);
    const [first] = await storeAndApply([{ ...update(a, 1, 'a1'), connectionId: later.id }]);
    expect(first).toMatchObject({ stored: true, open: true });
    registry.invalidate();
    const [second] = await storeAndApply([{ ...update(a, 2, 'a2'), connectionId: later.id }]);
    // The first event is next in the queue: applied now, the second left behind it for the worker.
    expect(second).toMatchObject({ stored: true, open: true });
    expect(await store.sync.inbound.get(later.id, 'aaaa-1')).toMatchObject({ state: 'done', outcome: 'applied' });
    expect((await store.sync.incidents.getIncident('i9'))!.name).toBe('a1');
    expect(await step()).toBe(true);
    expect((await store.sync.incidents.getIncident('i9'))!.name).toBe('a2');
  });
});
