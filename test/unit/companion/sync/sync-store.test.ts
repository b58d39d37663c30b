import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Secret, type Connection } from '../../../../src/companion/store';
import { MAX_SENDS_PER_CONNECTION, type NewInboundEvent, type SyncStore } from '../../../../src/companion/store/sync-store';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';

/** The sync's store over a real SQLite file and a real PostgreSQL database: idempotent writes, atomic claims, leases, fencing. */

describe.each(STORE_BACKENDS)('sync store on %s', (backend) => {
  let dir: string;
  let store: TestStore;
  let sync: SyncStore;
  let connection: Connection;
  const T0 = new Date('2026-01-01T10:00:00.000Z');
  const at = (ms: number) => new Date(T0.getTime() + ms);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-sync-store-'));
    store = await openTestStore(backend, { dir });
    sync = store.sync;
    connection = (
      await store.saveConnection({
        name: 'acme',
        instanceUrl: 'https://acme.service-now.com',
        mode: 'realtime',
        clientId: 'c',
        clientSecret: new Secret('s'),
        username: 'svc',
        password: new Secret('p'),
        publicUrl: 'https://companion.example.com',
        signingSecret: new Secret('k'),
        integrationUser: 'svc',
      })
    ).connection;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function event(eventId: string, sysId: string, orderKey: string, receivedAt = T0): NewInboundEvent {
    return {
      connectionId: connection.id,
      eventId,
      source: 'push',
      type: 'incident.updated',
      incidentSysId: sysId,
      sequence: Number(orderKey),
      orderKey,
      occurredAt: receivedAt,
      receivedAt,
      payload: { eventId },
    };
  }

  async function incident(id: string) {
    return sync.incidents.insertIncident({
      id,
      referenceNumber: await sync.incidents.nextReferenceNumber(),
      connectionId: connection.id,
      name: id,
      summary: '',
      status: 'triage',
      severity: 'minor',
      lead: null,
      createdAt: T0,
      updatedAt: T0,
    });
  }

  describe('migrations 0004-create-sync and 0005-sync-core-v2', () => {
    it('create the sync tables next to the others', async () => {
      const tables = (await store.tables()).filter((name) => name.startsWith('sync_'));
      expect(tables).toEqual([
        'sync_attachments',
        'sync_connection_pauses',
        'sync_counters',
        'sync_follow_ups',
        'sync_inbound_events',
        'sync_incidents',
        'sync_links',
        'sync_outbound_ops',
        'sync_owners',
        'sync_poll_cursors',
        'sync_timeline_updates',
      ]);
    });
  });

  describe('inbound events', () => {
    it('are stored once per (connection, event id): a duplicate changes nothing', async () => {
      const first = await sync.inbound.record(event('e1', 's1', '1'));
      const again = await sync.inbound.record({ ...event('e1', 's1', '1'), payload: { other: true } });
      expect(first.stored).toBe(true);
      expect(again).toEqual({ stored: false, id: first.id });
      const stored = await sync.inbound.listForIncident(connection.id, 's1');
      expect(stored).toHaveLength(1);
      expect(stored[0]!.payload).toEqual({ eventId: 'e1' });
    });

    it('are claimed one at a time per incident, in order, whatever order they arrived in; other incidents in parallel', async () => {
      await sync.inbound.record(event('late-5', 's1', '5', at(0)));
      await sync.inbound.record(event('early-3', 's1', '3', at(1)));
      await sync.inbound.record(event('other', 's2', '9', at(2)));
      const lease = { now: at(10), leaseMs: 30_000 };
      const a = await sync.inbound.claim({ owner: 'A', ...lease });
      const b = await sync.inbound.claim({ owner: 'B', ...lease });
      const c = await sync.inbound.claim({ owner: 'C', ...lease });
      expect([a?.eventId, b?.eventId, c]).toEqual(['early-3', 'other', undefined]);
      expect(await sync.inbound.finish(a!.id, 'A', 'applied', at(11))).toBe(true);
      expect((await sync.inbound.claim({ owner: 'C', ...lease }))?.eventId).toBe('late-5');
    });

    it('concurrent claimers never get the same event', async () => {
      for (let i = 0; i < 6; i++) await sync.inbound.record(event(`e${i}`, `s${i}`, '1'));
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => sync.inbound.claim({ owner: `w${i}`, now: at(5), leaseMs: 30_000 })));
      const got = claims.filter((c) => c !== undefined).map((c) => c!.eventId);
      expect(got.sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    });

    it('an expired lease (a replica that died) is taken over, and the old holder can no longer finish it', async () => {
      await sync.inbound.record(event('e1', 's1', '1'));
      const first = await sync.inbound.claim({ owner: 'dead', now: at(0), leaseMs: 1_000 });
      expect(await sync.inbound.claim({ owner: 'B', now: at(500), leaseMs: 1_000 })).toBeUndefined();
      const taken = await sync.inbound.claim({ owner: 'B', now: at(1_500), leaseMs: 1_000 });
      expect(taken).toMatchObject({ id: first!.id, leaseOwner: 'B', attempts: 2 });
      expect(await sync.inbound.finish(first!.id, 'dead', 'applied', at(1_600))).toBe(false);
      expect(await sync.inbound.finish(first!.id, 'B', 'applied', at(1_600))).toBe(true);
    });

    it('a retried event waits until due; release gives back what an owner holds; purge removes old done events', async () => {
      await sync.inbound.record(event('e1', 's1', '1', at(0)));
      await sync.inbound.record(event('e2', 's2', '1', at(1)));
      const e1 = await sync.inbound.claim({ owner: 'A', now: at(0), leaseMs: 10_000 });
      expect(e1!.eventId).toBe('e1');
      await sync.inbound.retry(e1!.id, 'A', { nextAttemptAt: at(5_000), error: 'boom', now: at(1) });
      const e2 = await sync.inbound.claim({ owner: 'A', now: at(2), leaseMs: 10_000 });
      expect(e2!.eventId).toBe('e2');
      expect(await sync.inbound.claim({ owner: 'B', now: at(3), leaseMs: 10_000 })).toBeUndefined();
      expect(await sync.inbound.release('A', at(4))).toBe(1);
      expect((await sync.inbound.claim({ owner: 'B', now: at(5), leaseMs: 10_000 }))!.eventId).toBe('e2');
      expect((await sync.inbound.claim({ owner: 'B', now: at(5_000), leaseMs: 10_000 }))!.eventId).toBe('e1');
      expect(await sync.inbound.countByState()).toEqual({ pending: 0, processing: 2, done: 0, failed: 0 });
      const [one] = await sync.inbound.listForIncident(connection.id, 's1');
      await sync.inbound.finish(one!.id, 'B', 'applied', at(6_000));
      expect(await sync.inbound.purgeDone(at(6_001))).toBe(1);
      expect(await sync.inbound.purgeDone(at(6_001))).toBe(0);
    });
  });

  describe('the outbound queue', () => {
    it(`never has more than ${MAX_SENDS_PER_CONNECTION} writes in flight to one connection, however many claim at once; an expired lease frees its place`, async () => {
      for (let i = 0; i < 10; i++) {
        await incident(`c${i}`);
        await sync.outbound.enqueue({ incidentId: `c${i}`, connectionId: connection.id, kind: 'create', payload: {}, createdAt: at(0) });
      }
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => sync.outbound.claim({ owner: `w${i}`, now: at(10), leaseMs: 1_000 })));
      const claimed = claims.filter((c) => c !== undefined);
      expect(claimed).toHaveLength(MAX_SENDS_PER_CONNECTION);
      expect(await sync.outbound.claim({ owner: 'late', now: at(20), leaseMs: 1_000 })).toBeUndefined();
      expect(await sync.outbound.complete(claimed[0]!.id, claimed[0]!.leaseOwner!, { modCount: 1, status: 201, at: at(30) })).toBe(true);
      expect(await sync.outbound.claim({ owner: 'next', now: at(40), leaseMs: 1_000 })).toBeDefined();
      expect(await sync.outbound.claim({ owner: 'late', now: at(50), leaseMs: 1_000 })).toBeUndefined();
      // The others' leases run out at 1010 ms: their places (and their writes) are free again.
      expect(await sync.outbound.claim({ owner: 'after', now: at(1_010), leaseMs: 1_000 })).toBeDefined();
    });

    it('sends an incident\'s writes in order: the next is claimable only once the previous is finished', async () => {
      await incident('i1');
      await incident('i2');
      const first = await sync.outbound.enqueue({ incidentId: 'i1', connectionId: connection.id, kind: 'create', payload: {}, createdAt: at(0) });
      const second = await sync.outbound.enqueue({ incidentId: 'i1', connectionId: connection.id, kind: 'note', payload: { note: { updateId: 'u', body: 'b' } }, createdAt: at(1) });
      const other = await sync.outbound.enqueue({ incidentId: 'i2', connectionId: connection.id, kind: 'create', payload: {}, createdAt: at(2) });
      expect(second.seq).toBeGreaterThan(first.seq);

      const a = await sync.outbound.claim({ owner: 'A', now: at(10), leaseMs: 60_000 });
      const b = await sync.outbound.claim({ owner: 'B', now: at(10), leaseMs: 60_000 });
      expect([a?.id, b?.id]).toEqual([first.id, other.id]);
      expect(await sync.outbound.claim({ owner: 'C', now: at(10), leaseMs: 60_000 })).toBeUndefined();

      // A failed send keeps its place: the note waits behind it until it is done.
      await sync.outbound.retry(first.id, 'A', { nextAttemptAt: at(1_000), error: '503', status: 503, ambiguous: true, now: at(11) });
      expect(await sync.outbound.claim({ owner: 'C', now: at(20), leaseMs: 60_000 })).toBeUndefined();
      const again = await sync.outbound.claim({ owner: 'C', now: at(1_000), leaseMs: 60_000 });
      expect(again).toMatchObject({ id: first.id, attempts: 2, ambiguous: true, lastStatus: 503 });
      expect(await sync.outbound.complete(first.id, 'A', { modCount: 0, status: 201, at: at(1_001) })).toBe(false);
      expect(await sync.outbound.complete(first.id, 'C', { modCount: 0, status: 201, at: at(1_001) })).toBe(true);
      expect((await sync.outbound.claim({ owner: 'C', now: at(1_002), leaseMs: 60_000 }))?.id).toBe(second.id);
    });

    it('a queued write can be rewritten (coalesced) only while nobody has claimed it', async () => {
      await incident('i1');
      const op = await sync.outbound.enqueue({ incidentId: 'i1', connectionId: connection.id, kind: 'update', payload: { fields: { name: { value: 'a', changedAt: at(0).toISOString() } } }, createdAt: at(0) });
      expect(await sync.outbound.replacePendingPayload(op.id, { fields: { name: { value: 'b', changedAt: at(1).toISOString() } } }, at(1))).toBe(true);
      const claimed = await sync.outbound.claim({ owner: 'A', now: at(2), leaseMs: 60_000 });
      expect(claimed!.payload.fields!.name!.value).toBe('b');
      expect(await sync.outbound.replacePendingPayload(op.id, { fields: {} }, at(3))).toBe(false);
    });

    it('skips paused connections; release marks sends in progress ambiguous and due later; cancel and kill end writes', async () => {
      await incident('i1');
      await incident('i2');
      const op1 = await sync.outbound.enqueue({ incidentId: 'i1', connectionId: connection.id, kind: 'create', payload: {}, createdAt: at(0) });
      await sync.outbound.enqueue({ incidentId: 'i2', connectionId: connection.id, kind: 'create', payload: {}, createdAt: at(0) });
      expect(await sync.outbound.claim({ owner: 'A', now: at(1), leaseMs: 60_000, excludeConnections: [connection.id] })).toBeUndefined();
      const claimed = await sync.outbound.claim({ owner: 'A', now: at(1), leaseMs: 60_000 });
      expect(claimed!.id).toBe(op1.id);
      expect(await sync.outbound.release('A', at(2), at(60_000))).toBe(1);
      expect(await sync.outbound.listForIncident('i1')).toEqual([expect.objectContaining({ state: 'pending', ambiguous: true, leaseOwner: null, nextAttemptAt: at(60_000) })]);
      expect(await sync.outbound.cancelPending('i2', at(3))).toBe(1);
      const again = await sync.outbound.claim({ owner: 'B', now: at(60_000), leaseMs: 60_000 });
      expect(await sync.outbound.kill(again!.id, 'B', { error: '403 ACL', status: 403, at: at(60_001) })).toBe(true);
      expect(await sync.outbound.countByState()).toEqual({ pending: 0, sending: 0, done: 0, dead: 1, canceled: 1 });
    });
  });

  describe('incidents, links and timelines', () => {
    it('reference numbers are unique even when taken concurrently', async () => {
      const numbers = await Promise.all(Array.from({ length: 25 }, () => sync.incidents.nextReferenceNumber()));
      expect(new Set(numbers).size).toBe(25);
    });

    it('an incident changes only from the version it was read at', async () => {
      await incident('i1');
      expect(await sync.incidents.updateIncident('i1', 1, { name: 'first' }, at(1))).toBe(true);
      expect(await sync.incidents.updateIncident('i1', 1, { name: 'lost update' }, at(2))).toBe(false);
      expect(await sync.incidents.getIncident('i1')).toMatchObject({ name: 'first', version: 2 });
      expect((await sync.incidents.getIncidentByReference((await sync.incidents.getIncident('i1'))!.referenceNumber))!.id).toBe('i1');
    });

    it('one link per incident and one incident per ServiceNow record', async () => {
      await incident('i1');
      await incident('i2');
      const link = { connectionId: connection.id, sysId: 'a'.repeat(32), number: 'INC0010001', lastAppliedModCount: 0, lastWrittenModCount: 0, snapshot: { state: '1' } };
      expect(await sync.incidents.insertLink({ ...link, incidentId: 'i1' }, at(0))).toBe(true);
      expect(await sync.incidents.insertLink({ ...link, incidentId: 'i2' }, at(0))).toBe(false);
      expect(await sync.incidents.insertLink({ ...link, incidentId: 'i1', sysId: 'b'.repeat(32) }, at(0))).toBe(false);
      expect(await sync.incidents.getLinkBySysId(connection.id, 'a'.repeat(32))).toMatchObject({ incidentId: 'i1', snapshot: { state: '1' }, state: 'active' });
      await sync.incidents.updateLink('i1', { state: 'deleted', deletedAt: at(5), lastAppliedModCount: 3 }, at(5));
      expect(await sync.incidents.getLink('i1')).toMatchObject({ state: 'deleted', deletedAt: at(5), lastAppliedModCount: 3 });
    });

    it('a journal entry lands on the timeline once', async () => {
      await incident('i1');
      const update = { incidentId: 'i1', source: 'servicenow' as const, kind: 'work_note' as const, author: 'itil', message: 'hi', journalSysId: 'j'.repeat(32), occurredAt: at(0), createdAt: at(0) };
      expect(await sync.incidents.insertUpdate({ ...update, id: 'u1' })).toBe(true);
      expect(await sync.incidents.insertUpdate({ ...update, id: 'u2' })).toBe(false);
      expect(await sync.incidents.insertUpdate({ ...update, id: 'u3', journalSysId: null })).toBe(true);
      expect(await sync.incidents.insertUpdate({ ...update, id: 'u4', journalSysId: null })).toBe(true);
      expect((await sync.incidents.listUpdates('i1')).map((u) => u.id)).toEqual(['u1', 'u3', 'u4']);
    });

    it('a transaction writes all or nothing', async () => {
      await expect(
        sync.transaction(async (tx) => {
          await tx.incidents.insertIncident({ id: 'tx', referenceNumber: 999, connectionId: connection.id, name: 'n', summary: '', status: 'triage', severity: 'minor', lead: null, createdAt: T0, updatedAt: T0 });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await sync.incidents.getIncident('tx')).toBeUndefined();
    });
  });

  describe('polling cursors', () => {
    it('one poller at a time per (connection, source); the cursor only moves forward; an expired lease is taken over', async () => {
      const a = await sync.cursors.claim(connection.id, 'incident', { owner: 'A', now: at(0), leaseMs: 1_000 });
      expect(a).toEqual({ connectionId: connection.id, source: 'incident', cursor: null, lastRunAt: null });
      expect(await sync.cursors.claim(connection.id, 'incident', { owner: 'B', now: at(10), leaseMs: 1_000 })).toBeUndefined();
      expect(await sync.cursors.claim(connection.id, 'journal', { owner: 'B', now: at(10), leaseMs: 1_000 })).toBeDefined();
      expect(await sync.cursors.advance(connection.id, 'incident', 'A', '2026-01-01 10:00:05', at(20))).toBe(true);
      expect(await sync.cursors.advance(connection.id, 'incident', 'A', '2026-01-01 09:00:00', at(21))).toBe(true);
      expect(await sync.cursors.advance(connection.id, 'incident', 'B', '2026-01-01 11:00:00', at(22))).toBe(false);
      expect((await sync.cursors.get(connection.id, 'incident'))!.cursor).toBe('2026-01-01 10:00:05');
      const b = await sync.cursors.claim(connection.id, 'incident', { owner: 'B', now: at(1_500), leaseMs: 1_000 });
      expect(b!.cursor).toBe('2026-01-01 10:00:05');
      await sync.cursors.finishRun(connection.id, 'incident', 'B', at(1_600));
      expect((await sync.cursors.claim(connection.id, 'incident', { owner: 'C', now: at(1_601), leaseMs: 1_000 }))!.lastRunAt).toEqual(at(1_600));
    });
  });
});
