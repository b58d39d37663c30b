import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresQueryCompiler, SqliteDialect } from 'kysely';
import { ONE_ROW, PreparedQuery, PreparedUpdates } from '../../../../src/companion/store/prepared-query';

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

  describe('PreparedUpdates', () => {
    // `n` is both set and compared: the WHERE argument has a name of its own.
    const update = (max?: number) =>
      new PreparedUpdates(
        ['whereId', 'whereN'],
        (k: Kysely<Db>, columns: readonly string[], a: Record<string, unknown>) =>
          k
            .updateTable('items')
            .set(Object.fromEntries(columns.map((c) => [c, a[c]])))
            .where('id', '=', a.whereId as string)
            .where('n', '=', a.whereN as number),
        max,
      );

    async function rows() {
      return db.selectFrom('items').selectAll().orderBy('id').execute();
    }

    it.each([undefined, 1])('sets only the columns of each call, with its values (shapes kept at most: %s)', async (max) => {
      const items = update(max);
      await insert.execute(db, { id: 'a', kind: 'x', n: 1 });
      await insert.execute(db, { id: 'b', kind: 'x', n: 1 });
      const changed = (r: { numAffectedRows?: bigint }) => Number(r.numAffectedRows ?? 0);
      expect(changed(await items.execute(db, ['kind', 'n'], { kind: 'y', n: 2, whereId: 'a', whereN: 1 }))).toBe(1);
      // Another shape, a null value, and the same shape again with other values.
      expect(changed(await items.execute(db, ['note', 'n'], { note: null, n: 3, whereId: 'b', whereN: 1 }))).toBe(1);
      expect(changed(await items.execute(db, ['note', 'n'], { note: 'later', n: 4, whereId: 'b', whereN: 3 }))).toBe(1);
      expect(changed(await items.execute(db, ['kind', 'n'], { kind: 'z', n: 5, whereId: 'a', whereN: 2 }))).toBe(1);
      // A stale expected value changes nothing.
      expect(changed(await items.execute(db, ['kind', 'n'], { kind: 'stale', n: 9, whereId: 'a', whereN: 2 }))).toBe(0);
      expect(await rows()).toEqual([
        { id: 'a', kind: 'z', n: 5, note: null },
        { id: 'b', kind: 'x', n: 4, note: 'later' },
      ]);
    });
  });

  it('writes ONE_ROW into the statement as LIMIT 1, not as a parameter that every run would bind again', async () => {
    const first = new PreparedQuery(['kind'], (k: Kysely<Db>, a: { kind: string }) => k.selectFrom('items').select('id').where('kind', '=', a.kind).orderBy('id').limit(ONE_ROW));
    await insert.execute(db, { id: 'b', kind: 'k', n: 1 });
    await insert.execute(db, { id: 'a', kind: 'k', n: 2 });
    const compiled = first.bind(db, { kind: 'k' });
    expect(compiled.sql).toMatch(/ limit 1$/);
    expect(compiled.parameters).toEqual(['k']);
    expect((await first.execute(db, { kind: 'k' })).rows).toEqual([{ id: 'a' }]);
    expect((await first.execute(db, { kind: 'none' })).rows).toEqual([]);
    // The same on PostgreSQL.
    const onPostgres = new PostgresQueryCompiler().compileQuery(db.selectFrom('items').select('id').limit(ONE_ROW).toOperationNode(), { queryId: '' } as never);
    expect(onPostgres.sql).toMatch(/ limit 1$/);
    expect(onPostgres.parameters).toEqual([]);
  });
});

