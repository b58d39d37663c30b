import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PreparedQuery } from '../../../../src/companion/store/prepared-query';

/** A query compiled once and run with each call's arguments, on a real SQLite file (in and out of a transaction). */

interface Db {
  items: { id: string; kind: string; n: number; note: string | null };
}

describe('PreparedQuery', () => {
  let dir: string;
  let db: Kysely<Db>;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-prepared-'));
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new Database(path.join(dir, 'x.db')) }) });
    await db.schema.createTable('items').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('kind', 'text').addColumn('n', 'integer').addColumn('note', 'text').execute();
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const insert = new PreparedQuery(['id', 'kind', 'n'], (k: Kysely<Db>, a: { id: string; kind: string; n: number }) =>
    k.insertInto('items').values({ id: a.id, kind: a.kind, n: a.n, note: null }).onConflict((oc) => oc.column('id').doNothing()),
  );
  // `kind` twice and a constant between: each occurrence takes the call's value, the constant stays.
  const bump = new PreparedQuery(['kind', 'min'], (k: Kysely<Db>, a: { kind: string; min: number }) =>
    k
      .updateTable('items')
      .set((eb) => ({ n: eb('n', '+', 10), note: a.kind }))
      .where('kind', '=', a.kind)
      .where('n', '>=', a.min)
      .returning(['id', 'n', 'note']),
  );

  it('runs with each call\'s arguments, reports affected rows, and works inside a transaction', async () => {
    expect(Number((await insert.execute(db, { id: 'a', kind: 'x', n: 1 })).numAffectedRows)).toBe(1);
    expect(Number((await insert.execute(db, { id: 'a', kind: 'x', n: 1 })).numAffectedRows)).toBe(0);
    await db.transaction().execute(async (trx) => {
      await insert.execute(trx, { id: 'b', kind: 'x', n: 5 });
      await insert.execute(trx, { id: 'c', kind: 'y', n: 7 });
    });
    const bumped = await bump.execute(db, { kind: 'x', min: 2 });
    expect(bumped.rows).toEqual([{ id: 'b', n: 15, note: 'x' }]);
    const again = await bump.execute(db, { kind: 'y', min: 0 });
    expect(again.rows).toEqual([{ id: 'c', n: 17, note: 'y' }]);
    expect(await db.selectFrom('items').selectAll().orderBy('id').execute()).toEqual([
      { id: 'a', kind: 'x', n: 1, note: null },
      { id: 'b', kind: 'x', n: 15, note: 'x' },
      { id: 'c', kind: 'y', n: 17, note: 'y' },
    ]);
  });

  it('refuses a query that does not use an argument as a parameter (it would run with a wrong value)', async () => {
    const unused = new PreparedQuery(['id', 'kind'], (k: Kysely<Db>, a: { id: string; kind: string }) => k.selectFrom('items').selectAll().where('id', '=', a.id));
    await expect(unused.execute(db, { id: 'a', kind: 'x' })).rejects.toThrow(/arguments kind are not parameters/);
  });
});
