import type { ColumnDefinition } from './types';

/** Columns every root table has (the platform adds them when a table is created). */
export const SYSTEM_COLUMNS: readonly ColumnDefinition[] = [
  { name: 'sys_id', label: 'Sys ID', type: 'GUID', maxLength: 32, readOnly: true },
  { name: 'sys_created_on', label: 'Created', type: 'glide_date_time', readOnly: true },
  { name: 'sys_created_by', label: 'Created by', type: 'string', maxLength: 40, readOnly: true },
  { name: 'sys_updated_on', label: 'Updated', type: 'glide_date_time', readOnly: true, indexed: true },
  { name: 'sys_updated_by', label: 'Updated by', type: 'string', maxLength: 40, readOnly: true },
  { name: 'sys_mod_count', label: 'Updates', type: 'integer', readOnly: true },
];

export const SYSTEM_COLUMN_NAMES: ReadonlySet<string> = new Set(SYSTEM_COLUMNS.map((c) => c.name));

/** The class column of an extensible root table. */
export const CLASS_COLUMN: ColumnDefinition = {
  name: 'sys_class_name',
  label: 'Class',
  type: 'sys_class_name',
  maxLength: 80,
  readOnly: true,
  indexed: true,
};

/**
 * Columns of application metadata (what sys_metadata gives its children on the platform). Here each
 * metadata table carries them itself instead of extending sys_metadata, so every metadata table keeps
 * its own physical table, as on the platform.
 */
export const METADATA_COLUMNS: readonly ColumnDefinition[] = [
  { name: 'sys_scope', label: 'Application', type: 'reference', reference: 'sys_scope' },
  { name: 'sys_package', label: 'Package', type: 'string', maxLength: 32 },
  { name: 'sys_update_name', label: 'Update name', type: 'string', maxLength: 250 },
  { name: 'sys_name', label: 'Display name', type: 'string', maxLength: 255 },
  { name: 'sys_policy', label: 'Protection policy', type: 'string', maxLength: 40 },
];
