import Database from 'better-sqlite3';
import { withStatementCache } from '../../../../src/companion/store/statement-cache';

describe('withStatementCache', () => {
  function counted() {
    const db = new Database(':memory:');
    db.exec('create table t (a integer)');
    let prepares = 0;
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepares++;
      return prepare(sql);
    }) as typeof db.prepare;
    return { db, prepares: () => prepares };
  }

  it('prepares each SQL text once and reuses it', () => {
    const { db, prepares } = counted();
    const cached = withStatementCache(db);
    for (let i = 0; i < 10; i++) cached.prepare('insert into t values (?)').run([i]);
    expect(prepares()).toBe(1);
    expect(cached.prepare('select count(*) as n from t').all([])).toEqual([{ n: 10 }]);
    expect(prepares()).toBe(2);
  });

  it('prepares a fresh statement while the cached one is still being iterated', () => {
    const { db, prepares } = counted();
    const cached = withStatementCache(db);
    for (let i = 0; i < 3; i++) cached.prepare('insert into t values (?)').run([i]);
    const sql = 'select a from t order by a';
    const outer = cached.prepare(sql).iterate([]);
    const seen: unknown[] = [];
    for (const row of outer) {
      seen.push(row);
      // The same query again, mid-iteration: must not hit "This statement is busy executing a query".
      expect(cached.prepare(sql).all([])).toHaveLength(3);
    }
    expect(seen).toHaveLength(3);
    expect(prepares()).toBe(3);
  });

  it('keeps at most the given number of statements, dropping the least recently used', () => {
    const { db, prepares } = counted();
    const cached = withStatementCache(db, 2);
    cached.prepare('select 1');
    cached.prepare('select 2');
    cached.prepare('select 1'); // most recent now
    cached.prepare('select 3'); // drops "select 2"
    expect(prepares()).toBe(3);
    cached.prepare('select 1');
    expect(prepares()).toBe(3);
    cached.prepare('select 2');
    expect(prepares()).toBe(4);
  });
});
