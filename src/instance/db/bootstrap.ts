import { formatDateTime } from '../records/values';
import { BASE_TABLES } from '../schema/base-tables';
import type { TableDefinition } from '../schema/types';
import { newInstanceKey } from '../security/crypto';
import { quoteIdentifier, type SqliteDatabase } from './database';
import { DICTIONARY_TABLES, Dictionary, definitionsToRows, type DictionarySource } from './dictionary';
import { createInternalTables, InstanceMeta } from './internal-tables';
import { syncPhysicalSchema } from './physical';

/** The global scope's sys_id is the word `global` on the platform too. */
export const GLOBAL_SCOPE_ID = 'global';

/** Reads the dictionary rows from the database (tables that do not exist yet read as empty). */
export function readDictionarySource(db: SqliteDatabase): DictionarySource {
  const existing = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name),
  );
  const rows = (table: string): Array<Record<string, string>> => {
    if (!existing.has(table)) return [];
    return (db.prepare(`SELECT * FROM ${quoteIdentifier(table)}`).all() as Array<Record<string, unknown>>).map((r) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(r)) out[k] = v === null || v === undefined ? '' : String(v);
      return out;
    });
  };
  return { objects: rows('sys_db_object'), entries: rows('sys_dictionary'), choices: rows('sys_choice'), numbers: rows('sys_number') };
}

/**
 * Creates the base schema in a new database, or adds what a newer version of the base schema has
 * and an older database lacks. Idempotent; never removes anything. Returns whether it changed
 * anything. Runs in the thread that owns the database (never in worker threads).
 */
export function bootstrapBaseSchema(db: SqliteDatabase, nowMs: number, definitions: readonly TableDefinition[] = BASE_TABLES): boolean {
  createInternalTables(db);
  const meta = new InstanceMeta(db);
  let changed = false;
  db.transaction(() => {
    if (!meta.get('instance_key')) meta.set('instance_key', newInstanceKey());
    const current = readDictionarySource(db);
    const existingIds = new Map(current.objects.map((o) => [o.name, o.sys_id]));
    const base = definitionsToRows(definitions, existingIds);
    const haveObject = new Set(current.objects.map((o) => o.name));
    const haveEntry = new Set(current.entries.map((e) => `${e.name}.${e.element}`));
    const haveChoice = new Set(current.choices.map((c) => `${c.name}.${c.element}.${c.value}`));
    const haveNumber = new Set(current.numbers.map((n) => n.category));
    const missing = {
      sys_db_object: base.objects.filter((o) => !haveObject.has(o.name)),
      sys_dictionary: base.entries.filter((e) => !haveEntry.has(`${e.name}.${e.element}`)),
      sys_choice: base.choices.filter((c) => !haveChoice.has(`${c.name}.${c.element}.${c.value}`)),
      sys_number: base.numbers.filter((n) => !haveNumber.has(n.category)),
    };
    const merged: DictionarySource = {
      objects: [...current.objects, ...missing.sys_db_object],
      entries: [...current.entries, ...missing.sys_dictionary],
      choices: [...current.choices, ...missing.sys_choice],
      numbers: [...current.numbers, ...missing.sys_number],
      indexes: base.indexes,
    };
    const dictionary = Dictionary.build(merged);
    if (syncPhysicalSchema(db, dictionary) > 0) changed = true;
    const now = formatDateTime(nowMs);
    const insertRows = (table: string, rows: Array<Record<string, string>>): void => {
      if (rows.length === 0) return;
      changed = true;
      const physical = new Set(dictionary.physicalColumns(table).map((c) => c.name));
      for (const row of rows) {
        const values: Record<string, string> = {
          ...row,
          sys_created_on: now,
          sys_created_by: 'system',
          sys_updated_on: now,
          sys_updated_by: 'system',
          sys_mod_count: '0',
        };
        if (physical.has('sys_class_name') && !values.sys_class_name) values.sys_class_name = table;
        const columns = Object.keys(values).filter((c) => physical.has(c));
        db.prepare(`INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(
          ...columns.map((c) => (values[c] === '' ? null : values[c])),
        );
      }
    };
    for (const table of DICTIONARY_TABLES) insertRows(table, missing[table as keyof typeof missing]);
    const hasGlobal = db.prepare(`SELECT 1 FROM "sys_scope" WHERE sys_id = ?`).get(GLOBAL_SCOPE_ID);
    if (!hasGlobal) {
      insertRows('sys_scope', [
        { sys_id: GLOBAL_SCOPE_ID, scope: 'global', name: 'Global', active: 'true', version: '', short_description: 'The global application', sys_class_name: 'sys_scope' },
      ]);
    }
    if (changed) meta.bumpMetadataVersion(true);
  }).immediate();
  return changed;
}
