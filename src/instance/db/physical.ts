import { quoteIdentifier, type SqliteDatabase } from './database';
import type { Dictionary } from './dictionary';

/**
 * Brings the SQLite tables in line with the dictionary: one physical table per hierarchy root
 * (incident rows live in `task`), every value a TEXT column with case-insensitive collation (as
 * the platform's database compares strings), new columns added with ALTER TABLE. Never drops anything.
 * Returns the number of DDL statements run.
 */
export function syncPhysicalSchema(db: SqliteDatabase, dictionary: Dictionary): number {
  let statements = 0;
  const existingTables = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((r) => r.name),
  );
  for (const root of dictionary.roots()) {
    const q = quoteIdentifier(root);
    const columns = dictionary.physicalColumns(root);
    if (!existingTables.has(root)) {
      const defs = columns.filter((c) => c.name !== 'sys_id').map((c) => `${quoteIdentifier(c.name)} TEXT COLLATE NOCASE`);
      db.exec(`CREATE TABLE ${q} ("sys_id" TEXT PRIMARY KEY COLLATE NOCASE${defs.length ? ', ' + defs.join(', ') : ''})`);
      statements++;
    } else {
      const present = new Set(
        db
          .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
          .all(root)
          .map((r) => r.name),
      );
      for (const c of columns) {
        if (present.has(c.name)) continue;
        db.exec(`ALTER TABLE ${q} ADD COLUMN ${quoteIdentifier(c.name)} TEXT COLLATE NOCASE`);
        statements++;
      }
    }
    const wanted: string[][] = columns.filter((c) => c.indexed && c.name !== 'sys_id').map((c) => [c.name]);
    for (const meta of dictionary.tables.values()) {
      if (meta.root === root) for (const idx of dictionary.indexes.get(meta.name) ?? []) wanted.push(idx);
    }
    for (const cols of wanted) {
      const name = quoteIdentifier(`ix_${root}_${cols.join('_')}`.slice(0, 80));
      const info = db.prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name = ?").get(name.slice(1, -1));
      if (info) continue;
      db.exec(`CREATE INDEX ${name} ON ${q} (${cols.map(quoteIdentifier).join(', ')})`);
      statements++;
    }
  }
  return statements;
}
