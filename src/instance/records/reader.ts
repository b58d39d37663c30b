import type { ColumnMeta, Dictionary, TableMeta } from '../db/dictionary';
import type { EvaluationContext } from '../query/evaluate';
import type { DynamicValueResolver } from '../query/fields';
import type { RecordValues } from './hooks';
import type { RowStore } from './store/row-store';

/** A value reached by a (possibly dot-walked) path: the column it is stored in and the record holding it. */
export interface PathValue {
  value: string;
  column: ColumnMeta;
  table: TableMeta;
  /** The record holding the leaf column ('' when a reference on the way is empty). */
  sysId: string;
}

/**
 * Reads referenced records for dot-walks and display values, caching each record for the life of the
 * reader (one request, one business-rule event). Not shared between operations: it would go stale.
 */
export class RecordReader {
  private readonly cache = new Map<string, RecordValues | null>();

  constructor(
    readonly dictionary: Dictionary,
    private readonly store: RowStore,
  ) {}

  record(table: string, sysId: string): RecordValues | null {
    if (!sysId) return null;
    const key = `${table}:${sysId}`;
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    const meta = this.dictionary.table(table);
    const row = meta ? this.store.read(meta, sysId) : null;
    this.cache.set(key, row);
    return row;
  }

  /** Resolves `path` from a record of `table`; null when the path does not exist in the dictionary. */
  resolve(table: TableMeta, values: RecordValues, path: string): PathValue | null {
    const parts = path.split('.');
    let meta = table;
    let current: RecordValues | null = values;
    let sysId = values.sys_id ?? '';
    for (let i = 0; i < parts.length; i++) {
      const column = meta.columns.get(parts[i]);
      if (!column) return null;
      const value: string = current ? (current[column.name] ?? '') : '';
      if (i === parts.length - 1) return { value, column, table: meta, sysId };
      if (column.type !== 'reference' || !column.reference) return null;
      const next = this.dictionary.table(column.reference);
      if (!next) return null;
      // Dot-walks follow the declared reference table (as the query compiler does), not the record's class.
      current = value ? this.record(next.name, value) : null;
      meta = next;
      sysId = current ? value : '';
    }
    return null;
  }

  /** An evaluation context over a record (and optionally its previous version) for conditions. */
  context(
    table: TableMeta,
    values: RecordValues,
    previous: RecordValues | null,
    options: { invalidReturnsNoRows?: boolean; dynamicValue?: DynamicValueResolver } = {},
  ): EvaluationContext {
    return {
      value: (path) => this.resolve(table, values, path)?.value ?? null,
      columnType: (path) => this.resolve(table, values, path)?.column.type ?? null,
      previousValue: previous ? (path) => this.resolve(table, previous, path)?.value ?? null : undefined,
      invalidReturnsNoRows: options.invalidReturnsNoRows ?? false,
      dynamicValue: options.dynamicValue,
    };
  }
}
