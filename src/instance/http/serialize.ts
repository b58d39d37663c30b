import type { ColumnMeta, TableMeta } from '../db/dictionary';
import type { InstanceEngine } from '../records/engine';
import type { DisplayValues } from '../records/display';
import type { RecordSnapshot } from '../records/hooks';
import type { RecordReader } from '../records/reader';
import type { Session } from '../records/session';
import type { AclMemo } from '../security/acl';

export type DisplayMode = 'false' | 'true' | 'all';

export interface SerializeOptions {
  displayValue: DisplayMode;
  excludeReferenceLink: boolean;
  /** sysparm_fields (null: every column of the table). */
  fields: string[] | null;
  /** `http://127.0.0.1:port`, for reference links. */
  baseUrl: string;
}

/** Per-request state shared by every record of a response. */
export interface SerializeContext {
  engine: InstanceEngine;
  session: Session;
  reader: RecordReader;
  display: DisplayValues;
  memo: AclMemo;
  enforceAcl: boolean;
}

type JsonValue = string | null | { [key: string]: string | null };

/**
 * A record as the Table API returns it: every value a string; references as `{link, value}` (or the
 * bare sys_id when links are excluded); display values per sysparm_display_value; dot-walked
 * fields under flat keys (`"caller_id.email"`); fields the user may not read left out.
 */
export function serializeRecord(table: TableMeta, record: RecordSnapshot, options: SerializeOptions, ctx: SerializeContext): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const names = options.fields ?? [...table.columns.keys()];
  const values = record.values;
  const classMeta = record.table !== table.name ? (ctx.engine.dictionary().table(record.table) ?? table) : table;
  const canReadField = ctx.enforceAcl ? ctx.engine.acl.fieldCheck('read', table, ctx.session, ctx.memo) : null;
  const aclRecord = { table, values };
  for (const name of names) {
    if (name in out) continue;
    if (name.includes('.')) {
      const resolved = ctx.reader.resolve(table, values, name);
      if (!resolved) continue;
      let readable = true;
      if (ctx.enforceAcl && resolved.sysId) {
        const leafValues = ctx.reader.record(resolved.table.name, resolved.sysId);
        const leaf = leafValues ? { table: resolved.table, values: leafValues } : undefined;
        readable =
          ctx.engine.acl.canRead(resolved.table, ctx.session, leaf, ctx.memo) &&
          ctx.engine.acl.checkField('read', resolved.table, resolved.column.name, ctx.session, leaf, ctx.memo);
      }
      out[name] = renderValue(resolved.table, resolved.column, readable ? resolved.value : '', readable ? resolved.sysId : '', options, ctx);
      continue;
    }
    const column = table.columns.get(name);
    if (!column) continue;
    if (canReadField && !canReadField(name, aclRecord)) continue;
    // Choice labels come from the record's own class (an incident read through task shows incident states).
    out[name] = renderValue(classMeta, column, values[name] ?? '', record.sysId, options, ctx);
  }
  return out;
}

function renderValue(
  table: TableMeta,
  column: ColumnMeta,
  rawValue: string,
  recordSysId: string,
  options: SerializeOptions,
  ctx: SerializeContext,
): JsonValue {
  // Never return password hashes; journal fields have no value of their own.
  const value = column.type === 'password' || column.type === 'journal_input' || column.type === 'journal' ? '' : rawValue;
  const mode = options.displayValue;
  if (column.type === 'reference' && column.reference) {
    const link = `${options.baseUrl}/api/now/table/${column.reference}/${value}`;
    if (mode === 'false') {
      if (value === '' || options.excludeReferenceLink) return value;
      return { link, value };
    }
    const display = ctx.display.recordDisplay(column.reference, value);
    if (mode === 'true') {
      if (value === '' || options.excludeReferenceLink) return display;
      return { display_value: display, link };
    }
    if (value === '' || options.excludeReferenceLink) return { display_value: display, value };
    return { display_value: display, link, value };
  }
  if (mode === 'false') return value;
  const display = ctx.display.columnDisplay(table, column, value, recordSysId);
  if (mode === 'true') return display;
  return { display_value: display ?? '', value };
}
