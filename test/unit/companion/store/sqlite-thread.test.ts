import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { isStoreUnavailable, openSqliteStore, type SqliteCompanionStore } from '../../../../src/companion/store';
import { StoreThreadError } from '../../../../src/companion/store/sqlite-thread';
import type { NewInboundEvent } from '../../../../src/companion/store/sync-store';
import { InboundGroupCommit } from '../../../../src/companion/sync/inbound-group-commit';
import { saveTestConnection } from '../../../helpers/sync-store-fixture';

/**
 * The SQLite store with its connection on its own thread (what the companion's server opens):
 * the same settings and answers as on the event loop (FULL commits, SQLite's error codes, blobs),
 * and a thread that dies fails what was in flight as "store unavailable", commits nothing of an
 * open transaction, and is replaced by the next query.
 */

function dbOf(store: SqliteCompanionStore): Kysely<unknown> {
  return (store as unknown as { db: Kysely<unknown> }).db;
}

let dir: string;
let store: SqliteCompanionStore;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-thread-'));
  store = await openSqliteStore({ file: path.join(dir, 'companion.db'), env: {}, ownThread: true });
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('runs on a thread with the same settings: WAL, FULL commits, foreign keys', async () => {
  expect(store.thread).toBeDefined();
  const db = dbOf(store);
  expect((await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db)).rows[0]!.journal_mode).toBe('wal');
  expect((await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(db)).rows[0]!.synchronous).toBe(2);
  expect((await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db)).rows[0]!.foreign_keys).toBe(1);
});

it("keeps SQLite's error codes, gives blobs back as Buffers, and a committed row is in the file for another connection", async () => {
  const db = dbOf(store);
  await sql`create table t (id integer primary key, data blob)`.execute(db);
  const inserted = await sql`insert into t (id, data) values (${1}, ${Buffer.from([0, 1, 255])})`.execute(db);
  expect(inserted.numAffectedRows).toBe(1n);
  await expect(sql`insert into t (id, data) values (${1}, ${null})`.execute(db)).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  const { rows } = await sql<{ data: Buffer }>`select data from t where id = ${1}`.execute(db);
  expect(Buffer.isBuffer(rows[0]!.data)).toBe(true);
  expect([...rows[0]!.data]).toEqual([0, 1, 255]);
  const other = new Database(path.join(dir, 'companion.db'), { readonly: true });
  try {
    expect(other.prepare('select count(*) as n from t').get()).toEqual({ n: 1 });
  } finally {
    other.close();
  }
});

it('a thread that dies inside a transaction fails it as unavailable, commits nothing of it, and the next query runs on a new thread', async () => {
  const db = dbOf(store);
  await sql`create table t (id integer primary key)`.execute(db);
  const failed = await db
    .transaction()
    .execute(async (tx) => {
      await sql`insert into t (id) values (${1})`.execute(tx);
      await store.thread!.kill();
      await sql`insert into t (id) values (${2})`.execute(tx);
    })
    .then(
      () => null,
      (err: unknown) => err,
    );
  expect(failed).toBeInstanceOf(StoreThreadError);
  expect(isStoreUnavailable(failed)).toBe(true);
  expect(store.thread!.deaths).toBe(1);
  // The next query starts a new thread: the half-done transaction left nothing.
  expect((await sql<{ n: number }>`select count(*) as n from t`.execute(db)).rows[0]!.n).toBe(0);
  await db.transaction().execute((tx) => sql`insert into t (id) values (${3})`.execute(tx));
  expect((await sql<{ id: number }>`select id from t`.execute(db)).rows).toEqual([{ id: 3 }]);
});

it('queries in flight when the thread dies fail as unavailable; none hangs', async () => {
  const db = dbOf(store);
  const inFlight = Array.from({ length: 5 }, () => sql`select 1 as one`.execute(db).then(() => 'ok', (err: unknown) => err));
  await store.thread!.kill();
  const outcomes = await Promise.all(inFlight);
  for (const outcome of outcomes) {
    if (outcome !== 'ok') expect(isStoreUnavailable(outcome)).toBe(true);
  }
  expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
});

it('a file that cannot be opened is refused when the store opens, with the path in the message', async () => {
  const folderAsFile = path.join(dir, 'a-folder');
  fs.mkdirSync(folderAsFile);
  await expect(openSqliteStore({ file: folderAsFile, env: {}, ownThread: true })).rejects.toThrow(/Cannot open the companion database .*a-folder/);
});

describe('received pushes on a connection of their own (store.ingest), through the group commit', () => {
  let connectionId: string;
  beforeEach(async () => {
    connectionId = (await saveTestConnection(store)).id;
  });

  function event(eventId: string, sequence: number, connection = connectionId): NewInboundEvent {
    const at = new Date(Date.UTC(2026, 0, 1, 10, 0, 0, sequence));
    return { connectionId: connection, eventId, source: 'push', type: 'incident.updated', incidentSysId: 'sys1', sequence, orderKey: String(sequence).padStart(10, '0'), occurredAt: at, receivedAt: at, payload: { eventId } };
  }

  function committedIds(): string[] {
    // Another connection sees only what is committed.
    const other = new Database(path.join(dir, 'companion.db'), { readonly: true });
    try {
      return (other.prepare('select event_id from sync_inbound_events order by event_id').all() as Array<{ event_id: string }>).map((r) => r.event_id);
    } finally {
      other.close();
    }
  }

  it('stores pushes arriving together, each answered once it is committed, duplicates answered with the stored id', async () => {
    expect(store.ingest).toBeDefined();
    const before = await store.sync.inbound.record(event('old', 0));
    const group = new InboundGroupCommit(store.ingest!);
    const seenAtAnswer: string[][] = [];
    const answers = await Promise.all(
      [event('a', 1), event('b', 2), event('b', 2), event('old', 0), event('c', 3)].map((e) =>
        group.record(e).then((answer) => {
          seenAtAnswer.push(committedIds());
          return answer;
        }),
      ),
    );
    expect(answers.map((a) => a.stored)).toEqual([true, true, false, false, true]);
    expect(answers[2]!.id).toBe(answers[1]!.id);
    expect(answers[3]!.id).toBe(before.id);
    for (const seen of seenAtAnswer) expect(seen).toEqual(['a', 'b', 'c', 'old']);
    // The events are the sync store's: the workers claim them from the store's own connection.
    expect((await store.sync.inbound.get(connectionId, 'a'))?.id).toBe(answers[0]!.id);
  });

  it('a batch with an event the store refuses stores the others, each on its own, and refuses only that one', async () => {
    const group = new InboundGroupCommit(store.ingest!);
    const settled = await Promise.allSettled([group.record(event('ok1', 1)), group.record(event('bad', 2, '00000000-0000-4000-8000-000000000000')), group.record(event('ok2', 3))]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(committedIds()).toEqual(['ok1', 'ok2']);
  });

  it('waits for the write lock another connection holds, then commits', async () => {
    const other = new Database(path.join(dir, 'companion.db'));
    other.exec('begin immediate');
    const pending = store.ingest!.record(event('after-lock', 1));
    let settled = false;
    void pending.finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    other.exec('commit');
    other.close();
    expect((await pending).stored).toBe(true);
    expect(committedIds()).toEqual(['after-lock']);
  });
});
