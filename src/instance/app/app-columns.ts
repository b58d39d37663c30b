import { queryCondition } from '../query';
import { stableSysId } from '../db/dictionary';
import type { InstanceEngine } from '../records/engine';
import type { DictionaryRow } from '../records/schema/dictionary-writer';

/**
 * Columns of the platform's metadata tables that an app build fills and the runtime reads, beyond
 * the base schema: which ACLs guard a scripted REST API (a list of sys_security_acl, on the API and
 * on each operation), the version id (`v1`) of an API version, and the default version as that id.
 * Added (or retyped) on the first install; a no-op afterwards.
 */
const APP_COLUMNS: ReadonlyArray<{ table: string; name: string; label: string; type: string; reference?: string; maxLength?: number }> = [
  { table: 'sys_ws_definition', name: 'enforce_acl', label: 'Default ACLs', type: 'glide_list', reference: 'sys_security_acl', maxLength: 4000 },
  { table: 'sys_ws_definition', name: 'default_version', label: 'Default version', type: 'string', maxLength: 40 },
  { table: 'sys_ws_operation', name: 'enforce_acl', label: 'ACLs', type: 'glide_list', reference: 'sys_security_acl', maxLength: 4000 },
  { table: 'sys_ws_operation', name: 'default_operation_uri', label: 'Default resource path', type: 'string', maxLength: 1024 },
  { table: 'sys_ws_version', name: 'version_id', label: 'Version ID', type: 'string', maxLength: 40 },
  { table: 'sys_ws_version', name: 'deprecated', label: 'Deprecated', type: 'boolean' },
];

export function ensureAppColumns(engine: InstanceEngine): void {
  const system = engine.systemSession();
  const rows: DictionaryRow[] = [];
  for (const col of APP_COLUMNS) {
    if (!engine.hasTable(col.table)) continue;
    const current = engine.dictionary().column(col.table, col.name);
    if (current && current.type === col.type && (current.reference ?? '') === (col.reference ?? '')) continue;
    const definedOn = current?.definedOn ?? col.table;
    const entry = engine.query('sys_dictionary', { query: `${queryCondition('name', '=', definedOn)}^${queryCondition('element', '=', col.name)}`, limit: 1, session: system }).records[0];
    rows.push({
      table: 'sys_dictionary',
      sysId: entry?.sysId ?? stableSysId(`sys_dictionary:${col.table}:${col.name}`),
      values: {
        name: definedOn,
        element: col.name,
        column_label: col.label,
        internal_type: col.type,
        reference: col.reference ?? '',
        max_length: col.maxLength === undefined ? '' : String(col.maxLength),
        active: 'true',
        ...(entry ? {} : { sys_scope: 'global' }),
      },
    });
  }
  engine.schema.writeDictionaryRows(rows);
}
