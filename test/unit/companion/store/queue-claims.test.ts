import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type Connection, type SqliteCompanionStore } from '../../../../src/companion/store';
import { MIGRATIONS, StaticMigrationProvider } from '../../../../src/companion/store/migrations';
import { queryPlan, recordingSyncStore, seedFinishedHistory } from '../../../../fixtures/queue-history';
import { createTestDatabase, openTestStore, STORE_BACKENDS, type TestDatabase, type TestStore } from '../../../helpers/store-backends';
import { insertTestIncident, saveTestConnection } from '../../../helpers/sync-store-fixture';

/**
 * The queue's claims read open work only (migration 0005's partial indexes): checked on the query
 * plans of a store holding 20,000 finished events of one incident, and by behaviour. The cost ratio
 * at 0 vs 100,000 finished events is measured by bench/queue-history.ts. Their due indexes hold the
 * claims' whole order (migration 0015), so many open rows due at the same time are never sorted
 * (bench/claim-ties.ts measures that cost).
 */

let dir: string;
let file: string;
const T0 = new Date('2026-01-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function openWithConnection(migrations?: StaticMigrationProvider): Promise<{ store: SqliteCompanionStore; connection: Connection }> {
  const store = await openSqliteStore({ file, env: {}, ...(migrations ? { migrations } : {}) });
  const connection = await saveTestConnection(store);
  return { store, connection };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-queue-claims-'));
  file = path.join(dir, 'companion.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('claims with a long finished history', () => {
  let store: SqliteCompanionStore;
  let connection: Connection;
  let sqlite: Database.Database;
  const incidentId = 'inc-1';

  beforeEach(async () => {
    ({ store, connection } = await openWithConnection());
    await insertTestIncident(store, { id: incidentId, connectionId: connection.id, at: T0, name: 'busy' });
    sqlite = new Database(file);
    seedFinishedHistory(sqlite, { connectionId: connection.id, incidentSysId: 'busy', incidentId, events: 20_000, at: T0 });
  });
  afterEach(async () => {
    sqlite.close();
    await store.close();
  });

  it('every access of a claim, and of the "when is work due" read, uses an index over open rows: no scan of the queue tables', async () => {
    const { store: sync, queries, db } = recordingSyncStore(sqlite);
    try {
      await sync.inbound.record({
        connectionId: connection.id,
        eventId: 'new',
        source: 'push',
        type: 'incident.updated',
        incidentSysId: 'busy',
        sequence: 30_000,
        orderKey: '0000030000.1.000000000000000',
        occurredAt: T0,
        receivedAt: T0,
        payload: { type: 'incident.updated' },
      });
      await sync.outbound.enqueue({ incidentId, connectionId: connection.id, kind: 'note', payload: { note: { updateId: 'u', body: 'b' } }, createdAt: T0 });
      queries.length = 0;
      expect((await sync.inbound.claim({ owner: 'A', now: at(1), leaseMs: 5_000 }))?.eventId).toBe('new');
      expect((await sync.outbound.claim({ owner: 'A', now: at(1), leaseMs: 5_000 }))?.kind).toBe('note');
      await sync.inbound.nextDueAt();
      await sync.outbound.nextDueAt();
      await sync.owners.heartbeat('A', at(2), at(5_000));
      await sync.owners.reclaim('A', at(3));
      // The apply job's: the record's open lane probed, then a claim limited to that record.
      await sync.inbound.hasOpenForIncident(connection.id, 'busy');
      await sync.inbound.claim({ owner: 'A', now: at(4), leaseMs: 5_000, incident: { connectionId: connection.id, incidentSysId: 'busy' } });

      const touching = queries.filter((q) => /sync_(inbound_events|outbound_ops)/.test(q.sql));
      expect(touching.length).toBeGreaterThanOrEqual(10);
      for (const query of touching) {
        const plan = queryPlan(sqlite, query);
        const accesses = plan.filter((line) => /^(SCAN|SEARCH) (sync_inbound_events|sync_outbound_ops|e|o|l|p)\b/.test(line));
        expect(accesses.length).toBeGreaterThan(0);
        for (const line of accesses) {
          // A SEARCH by an open-row index, by state (open values only: the queries say which), or by primary key.
          expect(line).toMatch(/^SEARCH \w+ USING (COVERING )?INDEX (sync_\w+_open_\w+|sync_\w+_owner_idx|sync_\w+_state_idx \(state=\?\)|sqlite_autoindex_\w+)/);
        }
      }
    } finally {
      await db.destroy().catch(() => undefined);
    }
  });

  it('the first open event of the incident is claimed, after its finished ones, in order', async () => {
    for (const [eventId, seq] of [['b', 20_002], ['a', 20_001]] as const) {
      await store.sync.inbound.record({
        connectionId: connection.id,
        eventId,
        source: 'push',
        type: 'incident.updated',
        incidentSysId: 'busy',
        sequence: seq,
        orderKey: `${String(seq).padStart(10, '0')}.1.000000000000000`,
        occurredAt: T0,
        receivedAt: T0,
        payload: { type: 'incident.updated' },
      });
    }
    const first = await store.sync.inbound.claim({ owner: 'A', now: at(1), leaseMs: 5_000 });
    expect(first?.eventId).toBe('a');
    expect(await store.sync.inbound.claim({ owner: 'B', now: at(1), leaseMs: 5_000 })).toBeUndefined();
    expect(await store.sync.inbound.nextDueAt()).toEqual(T0);
    await store.sync.inbound.finish(first!.id, 'A', 'applied', at(2));
    expect((await store.sync.inbound.claim({ owner: 'B', now: at(3), leaseMs: 5_000 }))?.eventId).toBe('b');
    expect(await store.sync.inbound.nextDueAt()).toEqual(at(5_003));
  });

  it("a claim limited to one record takes that record's next due event only, never another record's", async () => {
    const event = (eventId: string, incidentSysId: string, receivedAt: Date) => ({
      connectionId: connection.id,
      eventId,
      source: 'push' as const,
      type: 'incident.updated' as const,
      incidentSysId,
      sequence: 20_001,
      orderKey: '0000020001.1.000000000000000',
      occurredAt: T0,
      receivedAt,
      payload: { type: 'incident.updated' },
    });
    // The other record's event is due first: an unlimited claim would take it.
    await store.sync.inbound.record(event('other-1', 'other', T0));
    await store.sync.inbound.record(event('busy-1', 'busy', at(1)));
    const busy = { connectionId: connection.id, incidentSysId: 'busy' };
    expect((await store.sync.inbound.claim({ owner: 'A', now: at(2), leaseMs: 5_000, incident: busy }))?.eventId).toBe('busy-1');
    expect(await store.sync.inbound.claim({ owner: 'A', now: at(2), leaseMs: 5_000, incident: busy })).toBeUndefined();
    expect((await store.sync.inbound.claim({ owner: 'A', now: at(2), leaseMs: 5_000 }))?.eventId).toBe('other-1');
  });
});

type RecordingStore = ReturnType<typeof recordingSyncStore>;

/**
 * A new store (no ANALYZE, as the product leaves it: the planner has no statistics) and a recording
 * kysely store on a second connection to it, whose queries' plans the test reads.
 */
async function withFreshStore(test: (parts: { store: SqliteCompanionStore; connection: Connection; sqlite: Database.Database; sync: RecordingStore['store']; queries: RecordingStore['queries'] }) => Promise<void>): Promise<void> {
  const { store, connection } = await openWithConnection();
  const sqlite = new Database(file);
  const { store: sync, queries, db } = recordingSyncStore(sqlite);
  try {
    await test({ store, connection, sqlite, sync, queries });
  } finally {
    await db.destroy().catch(() => undefined);
    sqlite.close();
    await store.close();
  }
}

describe('claims with a backlog of open events', () => {
  it("a claim reads its candidates from the open rows in due order (or the record's open lane) and probes leases in the lane: never every open row by state", async () => {
    await withFreshStore(async ({ connection, sqlite, sync, queries }) => {
      // A push flood's backlog: 2,000 open events over 100 records, the first 50 being applied.
      for (let i = 0; i < 2_000; i++) {
        const stored = await sync.inbound.record({
          connectionId: connection.id,
          eventId: `e${i}`,
          source: 'push',
          type: 'incident.updated',
          incidentSysId: `r${i % 100}`,
          sequence: i,
          orderKey: `${String(i).padStart(10, '0')}.1.000000000000000`,
          occurredAt: at(i),
          receivedAt: at(i),
          payload: { type: 'incident.updated' },
        });
        expect(stored.stored).toBe(true);
      }
      for (let i = 0; i < 50; i++) expect(await sync.inbound.claim({ owner: 'A', now: at(5_000), leaseMs: 60_000 })).toBeDefined();
      queries.length = 0;
      // The first 50 records' lanes are leased: the next due event is record 50's first.
      expect((await sync.inbound.claim({ owner: 'B', now: at(5_000), leaseMs: 60_000 }))?.eventId).toBe('e50');
      expect((await sync.inbound.claim({ owner: 'B', now: at(5_000), leaseMs: 60_000, incident: { connectionId: connection.id, incidentSysId: 'r51' } }))?.eventId).toBe('e51');
      const claims = queries.filter((q) => /^update "sync_inbound_events"/.test(q.sql));
      expect(claims).toHaveLength(2);
      const [anyRecord, oneRecord] = claims.map((q) => queryPlan(sqlite, q));
      const access = (plan: string[], alias: string) => plan.filter((line) => new RegExp(`^SEARCH ${alias} `).test(line));
      expect(access(anyRecord!, 'e')).toEqual([expect.stringMatching(/USING INDEX sync_inbound_events_open_due_idx/)]);
      expect(access(oneRecord!, 'e')).toEqual([expect.stringMatching(/USING INDEX sync_inbound_events_open_lane_idx \(connection_id=\? AND incident_sys_id=\?/)]);
      for (const plan of [anyRecord!, oneRecord!]) expect(access(plan, 'l')).toEqual([expect.stringMatching(/USING INDEX sync_inbound_events_open_lane_idx \(connection_id=\? AND incident_sys_id=\?/)]);
    });
  });

  it('a write is claimed from the open writes in due order, not from every open write by state', async () => {
    await withFreshStore(async ({ store, connection, sqlite, sync, queries }) => {
      // A rate-limited backlog: 2,000 queued writes (notes) of 100 incidents.
      for (let i = 0; i < 100; i++) await insertTestIncident(store, { id: `inc-${i}`, connectionId: connection.id, at: T0, referenceNumber: i + 1, name: `incident ${i}` });
      for (let i = 0; i < 2_000; i++) await sync.outbound.enqueue({ incidentId: `inc-${i % 100}`, connectionId: connection.id, kind: 'note', payload: { note: { updateId: `u${i}`, body: 'b' } }, createdAt: at(i) });
      queries.length = 0;
      expect((await sync.outbound.claim({ owner: 'A', now: at(5_000), leaseMs: 60_000 }))?.incidentId).toBe('inc-0');
      const claims = queries.filter((q) => /^update "sync_outbound_ops"/.test(q.sql));
      expect(claims.length).toBeGreaterThan(0);
      for (const claim of claims) {
        expect(queryPlan(sqlite, claim).filter((line) => /^SEARCH o /.test(line))).toEqual([expect.stringMatching(/USING INDEX sync_outbound_ops_open_due_idx/)]);
      }
    });
  });

  it('with many open events due at the same time (one polled page), the claim reads them in its order from the due index: no sort', async () => {
    await withFreshStore(async ({ connection, sqlite, sync, queries }) => {
      // A polled page stored at once: 500 records' events, one receivedAt, so one due time.
      for (let i = 0; i < 500; i++) {
        await sync.inbound.record({ connectionId: connection.id, eventId: `p${i}`, source: 'poll', type: 'incident.updated', incidentSysId: `r${i}`, sequence: i, orderKey: `${String(i).padStart(10, '0')}.1.000000000000000`, occurredAt: T0, receivedAt: T0, payload: { type: 'incident.updated' } });
      }
      queries.length = 0;
      expect(await sync.inbound.claim({ owner: 'A', now: at(1), leaseMs: 60_000 })).toBeDefined();
      const claims = queries.filter((q) => /^update "sync_inbound_events"/.test(q.sql));
      expect(claims).toHaveLength(1);
      const plan = queryPlan(sqlite, claims[0]!);
      expect(plan.filter((line) => /^SEARCH e /.test(line))).toEqual([expect.stringMatching(/USING INDEX sync_inbound_events_open_due_idx \(next_attempt_at<\?\)/)]);
      expect(plan.filter((line) => /TEMP B-TREE/.test(line))).toEqual([]);
    });
  });

  it('with many queued writes due at the same time, the claim reads them in its order from the due index: no sort', async () => {
    await withFreshStore(async ({ store, connection, sqlite, sync, queries }) => {
      for (let i = 0; i < 100; i++) await insertTestIncident(store, { id: `inc-${i}`, connectionId: connection.id, at: T0, referenceNumber: i + 1, name: `incident ${i}` });
      for (let i = 0; i < 500; i++) await sync.outbound.enqueue({ incidentId: `inc-${i % 100}`, connectionId: connection.id, kind: 'note', payload: { note: { updateId: `u${i}`, body: 'b' } }, createdAt: T0 });
      queries.length = 0;
      expect((await sync.outbound.claim({ owner: 'A', now: at(1), leaseMs: 60_000 }))?.incidentId).toBe('inc-0');
      const claims = queries.filter((q) => /^update "sync_outbound_ops"/.test(q.sql));
      expect(claims.length).toBeGreaterThan(0);
      for (const claim of claims) {
        const plan = queryPlan(sqlite, claim);
        expect(plan.filter((line) => /^SEARCH o /.test(line))).toEqual([expect.stringMatching(/USING INDEX sync_outbound_ops_open_due_idx \(next_attempt_at<\?\)/)]);
        expect(plan.filter((line) => /TEMP B-TREE/.test(line))).toEqual([]);
      }
    });
  });

  it('the purge of finished events reads them through the index of finished events by time, not every finished row by state', async () => {
    await withFreshStore(async ({ connection, sqlite, sync, queries }) => {
      for (let i = 0; i < 3; i++) {
        await sync.inbound.record({ connectionId: connection.id, eventId: `p${i}`, source: 'push', type: 'incident.updated', incidentSysId: 'r', sequence: i, orderKey: `${String(i).padStart(10, '0')}.1.000000000000000`, occurredAt: T0, receivedAt: T0, payload: { type: 'incident.updated' } });
        const claimed = (await sync.inbound.claim({ owner: 'A', now: at(1), leaseMs: 5_000 }))!;
        expect(await sync.inbound.finish(claimed.id, 'A', 'applied', at(2))).toBe(true);
      }
      queries.length = 0;
      expect(await sync.inbound.purgeDone(at(3))).toBe(3);
      const purge = queries.filter((q) => /^delete from "sync_inbound_events"/.test(q.sql));
      expect(purge).toHaveLength(1);
      expect(queryPlan(sqlite, purge[0]!).filter((line) => /^(SCAN|SEARCH) sync_inbound_events\b/.test(line))).toEqual([
        expect.stringMatching(/^SEARCH sync_inbound_events USING (COVERING )?INDEX sync_inbound_events_done_idx \(processed_at<\?\)/),
      ]);
    });
  });
});

describe('migration 0005 upgrades a store with work in it', () => {
  it('a store made by the migrations before 0005 keeps its pending events, queued writes and links, and they are claimable', async () => {
    // The store as the version before sync core v2 left it: every migration named before 0005.
    expect(MIGRATIONS['0005-sync-core-v2']).toBeDefined();
    const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0005'));
    const old = await openWithConnection(new StaticMigrationProvider(before));
    const sync = old.store.sync;
    // The old schema has none of the later columns (field_versions, private, …): write the incident and the link as the old code did.
    const raw = new Database(file);
    raw
      .prepare(
        `INSERT INTO sync_incidents (id, reference_number, connection_id, name, summary, status, severity, lead_email, version, created_at, updated_at)
         VALUES ('inc-old', 7, ?, 'old', '', 'triage', 'minor', NULL, 1, ?, ?)`,
      )
      .run(old.connection.id, T0.toISOString(), T0.toISOString());
    raw
      .prepare(
        `INSERT INTO sync_links (incident_id, connection_id, sys_id, number, state, last_applied_mod_count, last_written_mod_count, snapshot, created_at, updated_at, deleted_at)
         VALUES ('inc-old', ?, 'sys-old', 'INC0000007', 'active', 3, 3, '{"state":"2"}', ?, ?, NULL)`,
      )
      .run(old.connection.id, T0.toISOString(), T0.toISOString());
    raw.close();
    await sync.outbound.enqueue({
      incidentId: 'inc-old',
      connectionId: old.connection.id,
      kind: 'update',
      payload: { fields: { status: { value: 'fixing', changedAt: T0.toISOString() } } },
      createdAt: T0,
    });
    await sync.inbound.record({
      connectionId: old.connection.id,
      eventId: 'pending-before-upgrade',
      source: 'push',
      type: 'incident.updated',
      incidentSysId: 'sys-old',
      sequence: 4,
      orderKey: '0000000004.1.000000000000000',
      occurredAt: T0,
      receivedAt: T0,
      payload: { type: 'incident.updated' },
    });
    await old.store.close();

    const store = await openSqliteStore({ file, env: {} });
    try {
      expect((await store.sync.incidents.getLink('inc-old'))).toMatchObject({ sysId: 'sys-old', snapshot: { state: '2' }, fieldVersions: {} });
      const op = await store.sync.outbound.claim({ owner: 'A', now: at(1), leaseMs: 5_000 });
      expect(op?.payload.fields?.status?.value).toBe('fixing');
      expect((await store.sync.inbound.claim({ owner: 'A', now: at(1), leaseMs: 5_000 }))?.eventId).toBe('pending-before-upgrade');
      const indexes = new Database(file, { readonly: true });
      const names = (indexes.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'sync_%open%'").all() as Array<{ name: string }>).map((r) => r.name);
      indexes.close();
      expect(names.sort()).toEqual(['sync_inbound_events_open_due_idx', 'sync_inbound_events_open_lane_idx', 'sync_outbound_ops_open_due_idx', 'sync_outbound_ops_open_lane_idx']);
    } finally {
      await store.close();
    }
  });
});

describe.each(STORE_BACKENDS)('claims of work due at the same time, on %s (migration 0015)', (backend) => {
  const BEFORE_0015 = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0015'));
  let database: TestDatabase | undefined;
  let store: TestStore | undefined;

  afterEach(async () => {
    await store?.close();
    store = undefined;
    await database?.drop();
    database = undefined;
  });

  /** A store made by the migrations before 0015, then opened again by this version (every migration). */
  async function upgradedStore(fill: (old: TestStore, connection: Connection) => Promise<void>): Promise<{ store: TestStore; connection: Connection }> {
    if (backend === 'postgres') database = await createTestDatabase();
    const options = { dir, ...(database ? { database } : {}) };
    const old = await openTestStore(backend, { ...options, migrations: new StaticMigrationProvider(BEFORE_0015) });
    const connection = await saveTestConnection(old);
    try {
      await fill(old, connection);
    } finally {
      await old.close();
    }
    store = await openTestStore(backend, options);
    return { store, connection };
  }

  const event = (connectionId: string, eventId: string, receivedAt: Date, i: number) => ({
    connectionId,
    eventId,
    source: 'poll' as const,
    type: 'incident.updated' as const,
    incidentSysId: `record-${eventId}`,
    sequence: i,
    orderKey: `${String(i).padStart(10, '0')}.1.000000000000000`,
    occurredAt: receivedAt,
    receivedAt,
    payload: { type: 'incident.updated' },
  });

  it('the due indexes hold the claims\' whole order, over open rows only', async () => {
    const { store } = await upgradedStore(async () => undefined);
    const definitions =
      backend === 'sqlite'
        ? await store.query("SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND name LIKE 'sync_%_open_due_idx' ORDER BY name")
        : await store.query("SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE indexname LIKE 'sync_%_open_due_idx' ORDER BY indexname");
    expect(definitions.map((d) => d.name)).toEqual(['sync_inbound_events_open_due_idx', 'sync_outbound_ops_open_due_idx']);
    const [inbound, outbound] = definitions.map((d) => String(d.definition).replace(/"/g, ''));
    expect(inbound).toMatch(/\(next_attempt_at, received_at, id\) where .*state.* (in|= any) .*pending.*processing/i);
    expect(outbound).toMatch(/\(next_attempt_at, seq\) where .*state.* (in|= any) .*pending.*sending/i);
  });

  it('open events stored before the upgrade are claimed by due time, then received time, then id', async () => {
    const T = new Date('2026-01-01T10:00:00.000Z');
    const later = new Date(T.getTime() + 1_000);
    const { store } = await upgradedStore(async (old, connection) => {
      // Five events of one polled page (one receivedAt: one due time), stored before the early one.
      for (let i = 0; i < 5; i++) await old.sync.inbound.record(event(connection.id, `page-${i}`, later, i + 1));
      await old.sync.inbound.record(event(connection.id, 'early', T, 0));
    });
    // The early event failed once and is due again with the page: the same due time, received first.
    const early = await store.sync.inbound.claim({ owner: 'A', now: T, leaseMs: 60_000 });
    expect(early?.eventId).toBe('early');
    expect(await store.sync.inbound.retry(early!.id, 'A', { nextAttemptAt: later, error: 'busy', now: T })).toBe(true);

    const claimed: string[] = [];
    for (let event = await store.sync.inbound.claim({ owner: 'A', now: later, leaseMs: 60_000 }); event; event = await store.sync.inbound.claim({ owner: 'A', now: later, leaseMs: 60_000 })) {
      claimed.push(event.id);
    }
    // The page's ties in the database's own order of ids.
    const byId = (await store.query("SELECT id FROM sync_inbound_events WHERE event_id LIKE 'page-%' ORDER BY id")).map((r) => String(r.id));
    expect(claimed).toEqual([early!.id, ...byId]);
  });

  it('queued writes due at the same time are claimed in queue order', async () => {
    const T = new Date('2026-01-01T10:00:00.000Z');
    const { store } = await upgradedStore(async (old, connection) => {
      for (let i = 0; i < 5; i++) await insertTestIncident(old, { id: `inc-${i}`, connectionId: connection.id, at: T, referenceNumber: i + 1, name: `incident ${i}` });
      for (const i of [3, 1, 4, 0, 2]) await old.sync.outbound.enqueue({ incidentId: `inc-${i}`, connectionId: connection.id, kind: 'note', payload: { note: { updateId: `u${i}`, body: 'b' } }, createdAt: T });
    });
    const claimed: Array<{ incidentId: string; seq: number }> = [];
    // Each sent before the next claim (a connection has at most 4 sends at once).
    for (let op = await store.sync.outbound.claim({ owner: 'A', now: T, leaseMs: 60_000 }); op; op = await store.sync.outbound.claim({ owner: 'A', now: T, leaseMs: 60_000 })) {
      claimed.push({ incidentId: op.incidentId, seq: op.seq });
      expect(await store.sync.outbound.complete(op.id, 'A', { modCount: 1, status: 200, at: T })).toBe(true);
    }
    expect(claimed.map((c) => c.incidentId)).toEqual(['inc-3', 'inc-1', 'inc-4', 'inc-0', 'inc-2']);
    expect(claimed.map((c) => c.seq)).toEqual([...claimed.map((c) => c.seq)].sort((a, b) => a - b));
  });
});
