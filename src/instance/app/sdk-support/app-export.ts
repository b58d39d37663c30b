import AdmZip from 'adm-zip';
import type { TableMeta } from '../../db/dictionary';
import { queryCondition } from '../../query';
import type { InstanceEngine } from '../../records/engine';
import type { RecordSnapshot } from '../../records/hooks';

/**
 * An application's records as the package `now-sdk download` (and `transform`, `init --from`) fetch
 * from `/api/fluent/download/{scope id}`: a zip with one `record_update` XML document per record of
 * the scope, under `update/`, and the application record under `scope/`. The records are read as
 * they are now on the instance (changes made after the install included).
 */
export interface AppExport {
  zip: Buffer;
  files: number;
}

/** Options of an incremental download: only records updated after `since` (a platform date-time). */
export interface AppExportOptions {
  updatedAfter?: string;
}

export function exportApp(engine: InstanceEngine, scopeId: string, options: AppExportOptions = {}): AppExport | null {
  const app = engine.get('sys_scope', scopeId);
  if (!app) return null;
  const zip = new AdmZip();
  let files = 0;
  const display = engine.displayValues();
  const add = (folder: string, record: RecordSnapshot): void => {
    const meta = engine.tableMeta(record.table);
    // The platform names an update file after the record's update name (sys_dictionary_<table>_<column>, …).
    const name = record.values.sys_update_name || `${record.table}_${record.sysId}`;
    zip.addFile(`${folder}/${name}.xml`, Buffer.from(recordUpdateXml(meta, record, (table, id) => display.recordDisplay(table, id))));
    files++;
  };
  add('scope', app);
  const since = options.updatedAfter ? `^${queryCondition('sys_updated_on', '>', options.updatedAfter)}` : '';
  for (const meta of scopedRootTables(engine)) {
    const result = engine.query(meta.name, { query: `${queryCondition('sys_scope', '=', scopeId)}${since}^ORDERBYsys_id` });
    for (const record of result.records) if (record.sysId !== scopeId) add('update', record);
  }
  return { zip: zip.toBuffer(), files };
}

function scopedRootTables(engine: InstanceEngine): TableMeta[] {
  const dictionary = engine.dictionary();
  return dictionary
    .roots()
    .map((name) => dictionary.table(name))
    .filter((meta): meta is TableMeta => Boolean(meta && meta.root === meta.name && meta.columns.has('sys_scope') && meta.name !== 'sys_scope'))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One record as the platform writes it in an update XML (references carry their display value). */
export function recordUpdateXml(meta: TableMeta, record: RecordSnapshot, displayOf: (table: string, sysId: string) => string): string {
  const lines = [`<?xml version="1.0" encoding="UTF-8"?>`, `<record_update table="${escapeXml(record.table)}">`, `  <${record.table} action="INSERT_OR_UPDATE">`];
  for (const column of [...meta.columns.values()].filter((c) => c.physical).sort((a, b) => a.name.localeCompare(b.name))) {
    const value = record.values[column.name] ?? '';
    if (value === '') {
      lines.push(`    <${column.name}/>`);
      continue;
    }
    const shown = column.type === 'reference' && column.reference ? displayOf(column.reference, value) : '';
    const attribute = shown ? ` display_value="${escapeXml(shown)}"` : '';
    lines.push(`    <${column.name}${attribute}>${escapeXml(value)}</${column.name}>`);
  }
  lines.push(`  </${record.table}>`, `</record_update>`, '');
  return lines.join('\n');
}
