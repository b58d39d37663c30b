import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore, type CompanionStore, type Connection, type SqliteCompanionStore } from '../../../../src/companion/store';
import type { NewInboundEvent } from '../../../../src/companion/store/sync-store';
import { openTestStore } from '../../../helpers/store-backends';
import { saveTestConnection } from '../../../helpers/sync-store-fixture';
import { ECHO_KEPT, RECORD_EVENTS } from '../../../helpers/thread-jobs';

/**
 * Transaction jobs (SyncStore.runJob): on the companion server's SQLite store they run whole on the
 * store's thread (one message, one commit, the write lock never held across a round trip to the
 * event loop); elsewhere (a command's SQLite store, PostgreSQL) in a transaction of the event loop.
 * The same answers everywhere: savepoints undo only their part, an error rolls back everything and
 * keeps its code.
 */

const KINDS = ['sqlite on its thread', 'sqlite on the event loop', 'postgres'] as const;
const at = new Date('2026-03-01T12:00:00.000Z');

/** A push of one incident's update, as stored. */
function inboundEvent(connectionId: string, eventId: string): NewInboundEvent {
  return {
    connectionId,
    eventId,
    source: 'push',
    type: 'incident.updated',
    incidentSysId: 'a'.repeat(32),
    sequence: 1,
    orderKey: eventId,
    occurredAt: at,
    receivedAt: at,
    payload: { eventId },
  };
}

describe.each(KINDS)('on %s', (kind) => {
  let dir: string;
  let store: CompanionStore & { close(): Promise<void> };
  let connection: Connection;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-jobs-'));
    if (kind === 'postgres') store = await openTestStore('postgres', { dir });
    else store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: kind === 'sqlite on its thread' });
    connection = await saveTestConnection(store);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const event = (eventId: string) => inboundEvent(connection.id, eventId);

  const storedIds = async () => (await store.sync.inbound.listForIncident(connection.id, 'a'.repeat(32))).map((e) => e.eventId).sort();

  it('commits its writes; a savepoint that throws undoes only its own', async () => {
    const kept = await store.sync.runJob(RECORD_EVENTS, { events: [event('e1'), event('e2'), event('e3')], failInSavepoint: ['e2'], failAtEnd: false });
    expect(kept).toEqual(['e1', 'e3']);
    expect(await storedIds()).toEqual(['e1', 'e3']);
  });

  it('a job that throws is rolled back whole, and its error keeps its code', async () => {
    await expect(store.sync.runJob(RECORD_EVENTS, { events: [event('e1')], failInSavepoint: [], failAtEnd: true })).rejects.toMatchObject({ code: 'test_job_failed' });
    expect(await storedIds()).toEqual([]);
    // The connection is usable after it.
    expect(await store.sync.runJob(RECORD_EVENTS, { events: [event('e2')], failInSavepoint: [], failAtEnd: false })).toEqual(['e2']);
  });

  it('gives a job its kept inputs, call after call and for a new object', async () => {
    const a = { version: 1, names: ['a'] };
    const b = { version: 2, names: ['b', 'c'] };
    expect(await store.sync.runJob(ECHO_KEPT, { settings: a, call: 1 })).toEqual({ settings: a, call: 1 });
    expect(await store.sync.runJob(ECHO_KEPT, { settings: a, call: 2 })).toEqual({ settings: a, call: 2 });
    expect(await store.sync.runJob(ECHO_KEPT, { settings: b, call: 3 })).toEqual({ settings: b, call: 3 });
    expect(await store.sync.runJob(ECHO_KEPT, { settings: a, call: 4 })).toEqual({ settings: a, call: 4 });
  });
});

describe('on the store thread', () => {
  let dir: string;
  let store: SqliteCompanionStore;
  let connection: Connection;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-jobs-'));
    store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: true });
    connection = await saveTestConnection(store);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const event = (eventId: string) => inboundEvent(connection.id, eventId);

  it('a job is one commit and no transaction across round trips; a transaction of the event loop is counted as one', async () => {
    const s0 = await store.thread!.stats();
    await store.sync.runJob(RECORD_EVENTS, { events: [event('e1'), event('e2')], failInSavepoint: [], failAtEnd: false });
    const s1 = await store.thread!.stats();
    expect({ commits: s1.commits - s0.commits, spanning: s1.spanningTransactions - s0.spanningTransactions, jobs: s1.jobs - s0.jobs }).toEqual({ commits: 1, spanning: 0, jobs: 1 });
    await store.sync.transaction(async (tx) => {
      await tx.inbound.record(event('e3'));
    });
    const s2 = await store.thread!.stats();
    expect({ commits: s2.commits - s1.commits, spanning: s2.spanningTransactions - s1.spanningTransactions, jobs: s2.jobs - s1.jobs }).toEqual({ commits: 1, spanning: 1, jobs: 0 });
  });

  it('a job waits for a transaction of the event loop that holds the connection, then runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const open = store.sync.transaction(async (tx) => {
      await tx.inbound.record(event('in-transaction'));
      await gate;
      order.push('transaction');
    });
    // Let the transaction begin before the job is sent.
    await new Promise((resolve) => setImmediate(resolve));
    const job = store.sync.runJob(RECORD_EVENTS, { events: [event('job')], failInSavepoint: [], failAtEnd: false }).then((kept) => {
      order.push('job');
      return kept;
    });
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await open;
    expect(await job).toEqual(['job']);
    expect(order).toEqual(['transaction', 'job']);
  });

  it('sends a kept input to the thread once per object, and again to a new thread', async () => {
    const settings = { version: 1, names: ['a'] };
    expect((await store.sync.runJob(ECHO_KEPT, { settings, call: 1 })).settings).toEqual({ version: 1, names: ['a'] });
    // Changed after it was sent (which callers must not do): the thread still has the copy it was sent, so it was not sent again.
    settings.version = 2;
    expect((await store.sync.runJob(ECHO_KEPT, { settings, call: 2 })).settings).toEqual({ version: 1, names: ['a'] });
    // A new thread (after a crash) holds nothing: the object is sent again.
    await store.thread!.kill();
    expect((await store.sync.runJob(ECHO_KEPT, { settings, call: 3 })).settings).toEqual({ version: 2, names: ['a'] });
  });
});
