import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { openSqliteStore, type SqliteCompanionStore } from '../../../../src/companion/store';
import { SqliteThread } from '../../../../src/companion/store/sqlite-thread';

/**
 * Every SQLite store's transactions begin IMMEDIATE. `serve` writes from threads of its own while a
 * command (connect, doctor, import-catalog…) runs on its own connection to the same file: a
 * DEFERRED transaction that reads, sees another connection commit, and then writes fails at once
 * with SQLITE_BUSY (a stale snapshot; busy_timeout does not help). An IMMEDIATE one holds the write
 * lock from its start, so the other connection waits for it instead.
 */

function dbOf(store: SqliteCompanionStore): Kysely<unknown> {
  return (store as unknown as { db: Kysely<unknown> }).db;
}

let dir: string;
let file: string;
let store: SqliteCompanionStore | undefined;
let other: SqliteThread | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-immediate-'));
  file = path.join(dir, 'companion.db');
});
afterEach(async () => {
  await other?.close();
  await store?.close();
  other = undefined;
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

it.each([
  ['a command’s store (its connection on the main thread)', false],
  ['the server’s store (its connection on a thread)', true],
])('%s: a read-then-write transaction holds the write lock from its start, so another connection’s write waits instead of breaking it', async (_name, ownThread) => {
  store = await openSqliteStore({ file, env: {}, ownThread });
  const db = dbOf(store);
  await sql`create table counter (id integer primary key, n integer not null)`.execute(db);
  await sql`insert into counter (id, n) values (1, 0)`.execute(db);
  // Another connection on its own thread, as `serve`'s pushes have: it gives up on the lock after 50 ms.
  other = await SqliteThread.open({ file, pragmas: ['journal_mode = WAL', 'busy_timeout = 0', 'synchronous = FULL'], lockWaitMs: 50 });
  const otherWrite = [{ sql: 'update counter set n = n + 100 where id = 1', params: [] }];

  let otherOutcome: unknown;
  await db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ n: number }>`select n from counter where id = 1`.execute(tx);
    // Between this transaction's read and its write, the other connection tries to write.
    otherOutcome = await other!.transaction(otherWrite).then(
      () => 'committed',
      (err: { code?: string }) => err.code,
    );
    await sql`update counter set n = ${rows[0]!.n + 1} where id = 1`.execute(tx);
  });
  // The other connection could not write inside the transaction (it would have made its read stale).
  expect(otherOutcome).toBe('SQLITE_BUSY');
  // Once the transaction committed, it can.
  await other.transaction(otherWrite);
  expect((await sql<{ n: number }>`select n from counter where id = 1`.execute(db)).rows[0]!.n).toBe(101);
});
