import { quoteIdentifier, type SqliteDatabase } from '../../db/database';
import { dictionaryEntry, stableSysId, type TableMeta } from '../../db/dictionary';
import { syncPhysicalSchema } from '../../db/physical';
import { InvalidRequestError, UnknownTableError } from '../../errors';
import { queryCondition } from '../../query';
import { SYSTEM_COLUMNS } from '../../schema/system-columns';
import type { TableDefinition } from '../../schema/types';
import type { InstanceEngine } from '../engine';
import type { RecordValues } from '../hooks';
import type { MetadataCache } from '../metadata/metadata-cache';
import type { RowStore } from '../store/row-store';
import { formatDateTime } from '../values';
import { writeDictionaryRows, type DictionaryRow, type WriteCounts } from './dictionary-writer';

/** What schema editing needs: the engine's record operations, and the record layer's row store and connection (for DDL). */
export interface SchemaContext {
  engine: InstanceEngine;
  store: RowStore;
  db: SqliteDatabase;
  metadata: MetadataCache;
}

/** A name for an index of an app's table: the build's index name made an identifier (letters, digits, underscores). */
export function appIndexName(buildIndexName: string): string {
  return `app_ix_${buildIndexName}`.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 79);
}

/**
 * Adds tables and columns at runtime by writing dictionary records (what the app installer does
 * with the build's sys_db_object / sys_dictionary / sys_choice records): the engine turns them into
 * CREATE TABLE / ALTER TABLE. Insert a table's sys_db_object row before its columns.
 */
export class SchemaEditor {
  private readonly engine: InstanceEngine;

  constructor(private readonly ctx: SchemaContext) {
    this.engine = ctx.engine;
  }

  /** Re-reads the dictionary and brings the physical tables in line (inside the caller's transaction). */
  syncSchema(): void {
    this.ctx.metadata.invalidate(true);
    if (syncPhysicalSchema(this.ctx.db, this.ctx.metadata.dictionary()) > 0) this.ctx.store.clearStatements();
    this.ctx.metadata.physicalTablesChanged();
  }

  /**
   * Writes dictionary records in one batch and brings the schema in line once (records/schema/
   * dictionary-writer.ts). Call inside a transaction.
   */
  writeDictionaryRows(rows: readonly DictionaryRow[]): WriteCounts {
    return writeDictionaryRows(this.ctx, rows, (object) => this.addSystemColumnEntries(object));
  }

  /**
   * An index on a table's physical table (the build's dictionary XML asks for them). A unique index
   * that existing rows break is created as a plain one (for speed, without the constraint); returns
   * whether the index is unique. Column names must be physical columns of the table.
   */
  createIndex(table: string, indexName: string, columns: readonly string[], unique: boolean): { unique: boolean } {
    const meta = this.engine.tableMeta(table);
    const missing = columns.filter((c) => !meta.columns.get(c)?.physical);
    if (columns.length === 0 || missing.length > 0) throw new InvalidRequestError(`cannot index ${table} on ${missing.join(', ') || 'no columns'}: not columns of the table`);
    const on = `${quoteIdentifier(indexName)} ON ${quoteIdentifier(meta.root)} (${columns.map(quoteIdentifier).join(', ')})`;
    if (unique) {
      try {
        this.ctx.db.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${on}`);
        return { unique: true };
      } catch {
        // Existing rows break uniqueness: a plain index below.
      }
    }
    this.ctx.db.exec(`CREATE INDEX IF NOT EXISTS ${on}`);
    return { unique: false };
  }

  /**
   * Drops the physical table of a table that is the root of its own hierarchy (an app's table being
   * uninstalled), with its rows. A table extending another shares its parent's rows: nothing to drop.
   * `meta` is the table as it was before its dictionary records were deleted; call syncSchema() after.
   */
  dropPhysicalTable(meta: TableMeta): void {
    if (meta.root !== meta.name) return;
    this.ctx.db.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(meta.name)}`);
    this.ctx.store.clearStatements();
    this.ctx.metadata.physicalTablesChanged();
  }

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
      (this.ctx.store.prepare(`SELECT element FROM "sys_dictionary" WHERE name = ?`).all(name) as Array<{ element: string | null }>).map((r) => r.element ?? ''),
    );
    const insert = this.ctx.store.prepare(`INSERT INTO "sys_dictionary" (sys_id, name, element, column_label, internal_type, max_length, read_only, active,
        sys_scope, sys_created_on, sys_created_by, sys_updated_on, sys_updated_by, sys_mod_count) VALUES (?, ?, ?, ?, ?, ?, 'true', 'true', ?, ?, 'system', ?, 'system', '0')`);
    const columns = [...SYSTEM_COLUMNS, ...(object.is_extendable === 'true' ? [{ name: 'sys_class_name', label: 'Class', type: 'sys_class_name', maxLength: 80 }] : [])];
    for (const col of columns) {
      if (existing.has(col.name)) continue;
      insert.run(stableSysId(`sys_dictionary:${name}:${col.name}`), name, col.name, col.label ?? col.name, col.type, col.maxLength === undefined ? null : String(col.maxLength), object.sys_scope || 'global', now, now);
    }
  }
}
