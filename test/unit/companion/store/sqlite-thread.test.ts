import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { isStoreUnavailable, openSqliteStore, type SqliteCompanionStore } from '../../../../src/companion/store';
import { StoreThreadError } from '../../../../src/companion/store/sqlite-thread';

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
