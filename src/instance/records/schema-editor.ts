import { dictionaryEntry, stableSysId, type TableMeta } from '../db/dictionary';
import { UnknownTableError } from '../errors';
import { queryCondition } from '../query';
import { SYSTEM_COLUMNS } from '../schema/system-columns';
import type { TableDefinition } from '../schema/types';
import type { InstanceEngine } from './engine';
import type { RecordValues } from './hooks';
import { formatDateTime } from './values';

/**
 * Adds tables and columns at runtime by writing dictionary records (what the app installer does
 * with the build's sys_db_object / sys_dictionary / sys_choice records): the engine turns them into
 * CREATE TABLE / ALTER TABLE. Insert a table's sys_db_object row before its columns.
 */
export class SchemaEditor {
  constructor(private readonly engine: InstanceEngine) {}

  /** Defines (or completes) a table from a TypeScript definition. Idempotent. */
  defineTable(def: TableDefinition): TableMeta {
    const engine = this.engine;
    const system = engine.systemSession();
    engine.transaction(() => {
      engine.checkMetadata();
      const dict = engine.dictionary();
      if (!dict.table(def.name)) {
        const parent = def.extends ? dict.table(def.extends) : undefined;
        if (def.extends && !parent) throw new UnknownTableError(def.extends);
        engine.insert(
          'sys_db_object',
          {
            sys_id: stableSysId(`sys_db_object:${def.name}`),
            name: def.name,
            label: def.label,
            super_class: parent?.sysId ?? '',
            is_extendable: String(def.extensible ?? false),
            sys_scope: def.scope ?? 'global',
          },
          { session: system, runBusinessRules: false },
        );
      }
      for (const col of def.columns) this.defineColumn(def.name, col, def.scope);
      if (def.numberPrefix && !engine.dictionary().table(def.name)?.numbering) {
        engine.insert('sys_number', { category: def.name, prefix: def.numberPrefix, number: String(def.numberStart ?? 10001), maximum_digits: '7' }, { session: system, runBusinessRules: false });
      }
    });
    return engine.tableMeta(def.name);
  }

  /** Adds a column (and its choices) when the table does not have it yet. */
  defineColumn(table: string, col: TableDefinition['columns'][number], scope = 'global'): void {
    const engine = this.engine;
    const system = engine.systemSession();
    engine.checkMetadata();
    if (!engine.dictionary().table(table)) throw new UnknownTableError(table);
    const own = engine.query('sys_dictionary', { query: `${queryCondition('name', '=', table)}^${queryCondition('element', '=', col.name)}`, limit: 1, session: system }).records[0];
    if (!own) {
      engine.insert(
        'sys_dictionary',
        dictionaryEntry(table, col, scope),
        { session: system, runBusinessRules: false },
      );
    }
    for (const c of col.choices ?? []) {
      const exists = engine.query('sys_choice', { query: [queryCondition('name', '=', table), queryCondition('element', '=', col.name), queryCondition('value', '=', c.value)].join('^'), limit: 1, session: system }).records[0];
      if (!exists) {
        engine.insert('sys_choice', { name: table, element: col.name, value: c.value, label: c.label, sequence: String(c.sequence ?? 0), sys_scope: scope }, { session: system, runBusinessRules: false });
      }
    }
  }

  /** Dictionary rows for the system columns of a new root table (the platform creates them too). */
  addSystemColumnEntries(object: RecordValues): void {
    if (object.super_class) return;
    const engine = this.engine;
    const name = object.name;
    if (!name) return;
    const now = formatDateTime(engine.now());
    const existing = new Set(
      (engine.store.prepare(`SELECT element FROM "sys_dictionary" WHERE name = ?`).all(name) as Array<{ element: string | null }>).map((r) => r.element ?? ''),
    );
    const insert = engine.store.prepare(`INSERT INTO "sys_dictionary" (sys_id, name, element, column_label, internal_type, max_length, read_only, active,
        sys_scope, sys_created_on, sys_created_by, sys_updated_on, sys_updated_by, sys_mod_count) VALUES (?, ?, ?, ?, ?, ?, 'true', 'true', ?, ?, 'system', ?, 'system', '0')`);
    const columns = [...SYSTEM_COLUMNS, ...(object.is_extendable === 'true' ? [{ name: 'sys_class_name', label: 'Class', type: 'sys_class_name', maxLength: 80 }] : [])];
    for (const col of columns) {
      if (existing.has(col.name)) continue;
      insert.run(stableSysId(`sys_dictionary:${name}:${col.name}`), name, col.name, col.label ?? col.name, col.type, col.maxLength === undefined ? null : String(col.maxLength), object.sys_scope || 'global', now, now);
    }
  }
}
