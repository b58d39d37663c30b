/**
 * The shape of table definitions written in TypeScript (the base schema) and of the dictionary the
 * engine builds from sys_db_object / sys_dictionary / sys_choice rows. Both use the same field names
 * as the platform's dictionary so a definition maps one to one onto its metadata rows.
 */

/** Column types with behaviour in the engine. Any other internal_type is stored and returned as a string. */
export const KNOWN_COLUMN_TYPES = [
  'string',
  'integer',
  'decimal',
  'boolean',
  'glide_date_time',
  'glide_date',
  'reference',
  'choice',
  'journal',
  'journal_input',
  'sys_class_name',
  'GUID',
  'password',
  'password2',
  'script',
  'script_plain',
  'conditions',
  'table_name',
  'email',
  'url',
  'html',
  'glide_list',
  'glide_duration',
  'collection',
] as const;

export type KnownColumnType = (typeof KNOWN_COLUMN_TYPES)[number];
/** An internal_type as found in sys_dictionary: a known one, or any other name (treated as a string). */
export type ColumnType = KnownColumnType | (string & { readonly __other?: never });

export interface ChoiceDefinition {
  value: string;
  label: string;
  sequence?: number;
}

export interface ColumnDefinition {
  name: string;
  label?: string;
  type: ColumnType;
  /** For reference columns: the referenced table. */
  reference?: string;
  maxLength?: number;
  /** Default value as the platform writes it; `javascript:` defaults are limited to the ones in records/defaults.ts. */
  defaultValue?: string;
  mandatory?: boolean;
  readOnly?: boolean;
  /** The table's display column (its value is a reference's display value). */
  display?: boolean;
  /** Add a physical index on this column (reference columns are always indexed). */
  indexed?: boolean;
  choices?: ChoiceDefinition[];
}

export interface TableDefinition {
  name: string;
  label: string;
  /** Parent table: rows live in the root table's physical table (table-per-hierarchy). */
  extends?: string;
  /** Whether other tables may extend this one (adds sys_class_name to a root table). */
  extensible?: boolean;
  /** Auto-numbering prefix (sys_number), e.g. INC. */
  numberPrefix?: string;
  /** First number of the sequence (default 10001, as on a base instance). */
  numberStart?: number;
  columns: ColumnDefinition[];
  /** Per-table choice overrides for inherited columns (e.g. incident.state). */
  choiceOverrides?: Record<string, ChoiceDefinition[]>;
  /** Multi-column physical indexes. */
  indexes?: string[][];
  /** Scope the table belongs to (global by default). */
  scope?: string;
}
