import { Writable } from 'node:stream';
import pino from 'pino';
import { StoredDataError, type Connection } from '../../../../src/companion/store';
import { DEFAULT_MAPPING } from '../../../../src/companion/sync/mapping';
import { SyncEngine } from '../../../../src/companion/sync/sync-engine';
import { tempDataDir } from '../../../helpers/command-io';
import { openTestStore, STORE_BACKENDS, type TestStore } from '../../../helpers/store-backends';
import { insertTestIncident, saveTestConnection } from '../../../helpers/sync-store-fixture';
import { waitFor } from '../../../helpers/wait-for';

/**
 * Typed stored data: a payload or snapshot the companion cannot read is a StoredDataError naming
 * the table, the row and the column; the event (or write) is set aside at once, with the reason,
 * and logged — never a null that fails ten times further in.
 */

let data: ReturnType<typeof tempDataDir>;
let store: TestStore;
let connection: Connection;
const T0 = new Date('2026-06-01T08:00:00.000Z');

describe.each(STORE_BACKENDS)('on %s', (backend) => {
  beforeEach(async () => {
    data = tempDataDir();
    store = await openTestStore(backend, { dir: data.dir });
    connection = await saveTestConnection(store);
    await insertTestIncident(store, { id: 'inc-1', connectionId: connection.id, at: T0 });
  });
  afterEach(async () => {
    await store.close();
    data.remove();
  });

  async function corrupt(sql: string, ...params: unknown[]): Promise<void> {
    await store.query(sql, ...params);
  }

  async function recordEvent(eventId: string, payload: unknown): Promise<string> {
    const { id } = await store.sync.inbound.record({
      connectionId: connection.id,
      eventId,
      source: 'push',
      type: 'incident.updated',
      incidentSysId: 'sys-1',
      sequence: 1,
      orderKey: '0000000001.1.000000000000000',
      occurredAt: T0,
      receivedAt: T0,
      payload,
    });
    return id;
  }

  describe('the store', () => {
    it('an event payload that is not JSON, or is null, is a StoredDataError naming the row; claiming it sets it aside as failed', async () => {
      for (const [eventId, text] of [['not-json', '{"type": "incident.upd'], ['null', 'null']] as const) {
        const id = await recordEvent(eventId, {});
        await corrupt('UPDATE sync_inbound_events SET payload = ? WHERE id = ?', text, id);
        const claim = store.sync.inbound.claim({ owner: 'A', now: T0, leaseMs: 5_000 });
        await expect(claim).rejects.toBeInstanceOf(StoredDataError);
        await expect(claim).rejects.toMatchObject({ table: 'sync_inbound_events', rowId: id, column: 'payload', code: 'stored_data_corrupt' });
      }
      const counts = await store.sync.inbound.countByState();
      expect(counts).toMatchObject({ failed: 2, pending: 0, processing: 0 });
    });

    it('a write payload that cannot be read is set aside as dead; a corrupt link snapshot names the link', async () => {
      const op = await store.sync.outbound.enqueue({ incidentId: 'inc-1', connectionId: connection.id, kind: 'note', payload: { note: { updateId: 'u', body: 'b' } }, createdAt: T0 });
      await corrupt('UPDATE sync_outbound_ops SET payload = ? WHERE id = ?', '[]', op.id);
      await expect(store.sync.outbound.claim({ owner: 'A', now: T0, leaseMs: 5_000 })).rejects.toMatchObject({ table: 'sync_outbound_ops', rowId: op.id });
      expect(await store.sync.outbound.countByState()).toMatchObject({ dead: 1, pending: 0, sending: 0 });

      await store.sync.incidents.insertLink({ incidentId: 'inc-1', connectionId: connection.id, sysId: 'sys-1', number: 'INC1', lastAppliedModCount: 0, lastWrittenModCount: 0, snapshot: {} }, T0);
      await corrupt("UPDATE sync_links SET snapshot = 'garbage' WHERE incident_id = 'inc-1'");
      await expect(store.sync.incidents.getLink('inc-1')).rejects.toThrow('The stored snapshot of sync_links row inc-1 cannot be read (not JSON)');
    });
  });

  describe('the workers', () => {
    it('an event whose payload is JSON but not a change fails once, with the reason, logged with its row', async () => {
      const lines: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      });
      const id = await recordEvent('shapeless', { type: 'incident.updated', sequence: 1 });
      const engine = new SyncEngine({ store, mapping: DEFAULT_MAPPING, logger: pino({ level: 'info' }, sink), defaultMetrics: false, idleMs: 20 });
      engine.start();
      try {
        const event = await waitFor(async () => {
          const e = await store.sync.inbound.get(connection.id, 'shapeless');
          return e?.state === 'failed' ? e : undefined;
        });
        expect(event.attempts).toBe(1);
        expect(event.lastError).toBe(`The stored payload of sync_inbound_events row ${id} cannot be read (occurredAt is missing); the row is set aside, not retried.`);
        // The row is marked before the worker hears back and logs (on PostgreSQL another connection sees it first).
        const logged = await waitFor(() => lines.map((l) => JSON.parse(l) as { msg: string; table?: string; row?: string }).find((l) => l.table === 'sync_inbound_events'));
        expect(logged).toMatchObject({ row: id, msg: 'a stored ServiceNow change cannot be read; set aside as failed' });
      } finally {
        await engine.stop(100);
      }
    });
  });
});
