import { createHash } from 'node:crypto';
import { CLASS_COLUMN, SYSTEM_COLUMNS } from '../schema/system-columns';
import type { ChoiceDefinition, ColumnDefinition, ColumnType, TableDefinition } from '../schema/types';

/** Types whose values are not stored in the record's own row. */
const VIRTUAL_TYPES: ReadonlySet<string> = new Set(['journal_input', 'journal', 'journal_list', 'collection']);

/** The tables that describe tables and columns: writing them changes the dictionary and the physical schema. */
export const DICTIONARY_TABLES: ReadonlySet<string> = new Set(['sys_db_object', 'sys_dictionary', 'sys_choice', 'sys_number']);

export interface ColumnMeta {
  name: string;
  label: string;
  type: ColumnType;
  reference: string | null;
  maxLength: number | null;
  defaultValue: string;
  mandatory: boolean;
  readOnly: boolean;
  /** The table whose dictionary entry defines this column. */
  definedOn: string;
  /** Stored in the physical row (false for journal fields). */
  physical: boolean;
  indexed: boolean;
}

export interface NumberingMeta {
  /** The table owning the counter (the sys_number category). */
  table: string;
  prefix: string;
  digits: number;
  start: number;
}

export interface TableMeta {
  name: string;
  label: string;
  superClass: string | null;
  /** This table, its parent, …, the root. */
  hierarchy: readonly string[];
  /** The physical table (the root of the hierarchy). */
  root: string;
  /** This table and every table extending it, at any depth. */
  classNames: readonly string[];
  /** Whether rows carry sys_class_name (the root is extensible or extended). */
  hasClassColumn: boolean;
  columns: ReadonlyMap<string, ColumnMeta>;
  displayColumn: string;
  numbering: NumberingMeta | null;
  scope: string;
  sysId: string;
}

/** Rows of sys_db_object, sys_dictionary, sys_choice and sys_number as the engine reads them. */
export interface DictionarySource {
  objects: Array<Record<string, string>>;
  entries: Array<Record<string, string>>;
  choices: Array<Record<string, string>>;
  numbers: Array<Record<string, string>>;
  /** Multi-column indexes (from the TypeScript definitions only; not stored in the dictionary). */
  indexes?: Map<string, string[][]>;
}

const truthy = (v: string | undefined): boolean => v === 'true' || v === '1';

/** A sys_id derived from a key, so base metadata has the same sys_ids on every local instance. */
export function stableSysId(key: string): string {
  return createHash('md5').update(key).digest('hex');
}

/** The in-memory dictionary: tables, their hierarchy, columns and choices. Immutable once built. */
export class Dictionary {
  readonly tables: ReadonlyMap<string, TableMeta>;
  private readonly choiceMap: ReadonlyMap<string, ChoiceDefinition[]>;
  readonly indexes: ReadonlyMap<string, string[][]>;

  private constructor(tables: Map<string, TableMeta>, choices: Map<string, ChoiceDefinition[]>, indexes: Map<string, string[][]>) {
    this.tables = tables;
    this.choiceMap = choices;
    this.indexes = indexes;
  }

  table(name: string): TableMeta | undefined {
    return this.tables.get(name);
  }

  column(table: string, element: string): ColumnMeta | undefined {
    return this.tables.get(table)?.columns.get(element);
  }

  /** Choices of a column, looked up from the table up its hierarchy (a child may override its parent's). */
  choices(table: string, element: string): readonly ChoiceDefinition[] {
    const meta = this.tables.get(table);
    const chain = meta ? meta.hierarchy : [table];
    for (const t of chain) {
      const list = this.choiceMap.get(`${t}.${element}`);
      if (list && list.length > 0) return list;
    }
    return [];
  }

  hasChoices(table: string, element: string): boolean {
    return this.choices(table, element).length > 0;
  }

  choiceLabel(table: string, element: string, value: string): string | undefined {
    return this.choices(table, element).find((c) => c.value === value)?.label;
  }

  /** The value whose label is `label` (case-insensitive), for input display values. */
  choiceValue(table: string, element: string, label: string): string | undefined {
    const lower = label.toLowerCase();
    return this.choices(table, element).find((c) => c.label.toLowerCase() === lower)?.value;
  }

  /** Physical columns of a root table: the union over every table of the hierarchy. */
  physicalColumns(root: string): ColumnMeta[] {
    const out = new Map<string, ColumnMeta>();
    for (const meta of this.tables.values()) {
      if (meta.root !== root) continue;
      for (const col of meta.columns.values()) if (col.physical && !out.has(col.name)) out.set(col.name, col);
    }
    return [...out.values()];
  }

  roots(): string[] {
    return [...new Set([...this.tables.values()].map((t) => t.root))];
  }

  isA(table: string, ancestor: string): boolean {
    return this.tables.get(table)?.hierarchy.includes(ancestor) ?? false;
  }

  static build(source: DictionarySource): Dictionary {
    const byId = new Map<string, Record<string, string>>();
    const byName = new Map<string, Record<string, string>>();
    for (const o of source.objects) {
      if (!o.name) continue;
      byId.set(o.sys_id, o);
      byName.set(o.name, o);
    }
    const parentOf = (name: string): string | null => {
      const sc = byName.get(name)?.super_class ?? '';
      if (!sc) return null;
      const parent = byId.get(sc)?.name ?? (byName.has(sc) ? sc : null);
      return parent && parent !== name ? parent : null;
    };
    const hierarchyOf = (name: string): string[] => {
      const chain = [name];
      const seen = new Set(chain);
      let p = parentOf(name);
      while (p && !seen.has(p)) {
        chain.push(p);
        seen.add(p);
        p = parentOf(p);
      }
      return chain;
    };

    const entriesByTable = new Map<string, Array<Record<string, string>>>();
    for (const e of source.entries) {
      if (!e.element || e.internal_type === 'collection' || e.active === 'false') continue;
      const list = entriesByTable.get(e.name) ?? [];
      list.push(e);
      entriesByTable.set(e.name, list);
    }

    const numbers = new Map<string, NumberingMeta>();
    for (const n of source.numbers) {
      if (!n.category || !n.prefix) continue;
      numbers.set(n.category, {
        table: n.category,
        prefix: n.prefix,
        digits: Number(n.maximum_digits) || 7,
        start: Number(n.number) || 10001,
      });
    }

    const hierarchies = new Map<string, string[]>();
    for (const name of byName.keys()) hierarchies.set(name, hierarchyOf(name));
    const extended = new Set<string>();
    for (const chain of hierarchies.values()) for (const t of chain.slice(1)) extended.add(t);

    const tables = new Map<string, TableMeta>();
    for (const [name, obj] of byName) {
      const hierarchy = hierarchies.get(name) ?? [name];
      const root = hierarchy[hierarchy.length - 1];
      const rootObj = byName.get(root);
      const hasClassColumn = extended.has(root) || truthy(rootObj?.is_extendable);
      const columns = new Map<string, ColumnMeta>();
      // Root first, so a parent's definition wins over a duplicate in a child.
      for (const t of [...hierarchy].reverse()) {
        for (const e of entriesByTable.get(t) ?? []) {
          if (columns.has(e.element)) continue;
          columns.set(e.element, entryToColumn(e, t));
        }
      }
      for (const sys of SYSTEM_COLUMNS) {
        if (!columns.has(sys.name)) columns.set(sys.name, definitionToColumn(sys, root));
      }
      if (hasClassColumn && !columns.has('sys_class_name')) columns.set('sys_class_name', definitionToColumn(CLASS_COLUMN, root));
      let displayColumn = '';
      for (const t of hierarchy) {
        const d = (entriesByTable.get(t) ?? []).find((e) => truthy(e.display));
        if (d) {
          displayColumn = d.element;
          break;
        }
      }
      if (!displayColumn) displayColumn = columns.has('name') ? 'name' : columns.has('number') ? 'number' : 'sys_id';
      let numbering: NumberingMeta | null = null;
      for (const t of hierarchy) {
        const n = numbers.get(t);
        if (n) {
          numbering = n;
          break;
        }
      }
      tables.set(name, {
        name,
        label: obj.label || name,
        superClass: hierarchy[1] ?? null,
        hierarchy,
        root,
        classNames: [],
        hasClassColumn,
        columns,
        displayColumn,
        numbering,
        scope: obj.sys_scope || 'global',
        sysId: obj.sys_id,
      });
    }
    for (const meta of tables.values()) {
      const classNames = [...tables.values()].filter((t) => t.hierarchy.includes(meta.name)).map((t) => t.name);
      (meta as { classNames: readonly string[] }).classNames = classNames.sort((a, b) => (a === meta.name ? -1 : b === meta.name ? 1 : a.localeCompare(b)));
    }

    const choiceMap = new Map<string, ChoiceDefinition[]>();
    for (const c of source.choices) {
      if (truthy(c.inactive) || (c.language && c.language !== 'en')) continue;
      const key = `${c.name}.${c.element}`;
      const list = choiceMap.get(key) ?? [];
      if (!list.some((x) => x.value === c.value)) list.push({ value: c.value, label: c.label || c.value, sequence: Number(c.sequence) || 0 });
      choiceMap.set(key, list);
    }
    for (const list of choiceMap.values()) list.sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));

    return new Dictionary(tables, choiceMap, source.indexes ?? new Map());
  }
}

function entryToColumn(e: Record<string, string>, table: string): ColumnMeta {
  const type = (e.internal_type || 'string') as ColumnType;
  return {
    name: e.element,
    label: e.column_label || e.element,
    type,
    reference: e.reference || null,
    maxLength: e.max_length ? Number(e.max_length) : null,
    defaultValue: e.default_value ?? '',
    mandatory: truthy(e.mandatory),
    readOnly: truthy(e.read_only),
    definedOn: table,
    physical: !VIRTUAL_TYPES.has(type),
    indexed: type === 'reference' || e._indexed === 'true',
  };
}

function definitionToColumn(def: { name: string; label?: string; type: ColumnType; reference?: string; maxLength?: number; defaultValue?: string; mandatory?: boolean; readOnly?: boolean; indexed?: boolean }, table: string): ColumnMeta {
  return {
    name: def.name,
    label: def.label ?? def.name,
    type: def.type,
    reference: def.reference ?? null,
    maxLength: def.maxLength ?? null,
    defaultValue: def.defaultValue ?? '',
    mandatory: def.mandatory ?? false,
    readOnly: def.readOnly ?? false,
    definedOn: table,
    physical: !VIRTUAL_TYPES.has(def.type),
    indexed: def.type === 'reference' || (def.indexed ?? false),
  };
}

/**
 * The metadata rows a set of table definitions stands for: what bootstrap writes into sys_db_object,
 * sys_dictionary, sys_choice and sys_number. sys_ids are stable (derived from table and column names).
 */
export function definitionsToRows(defs: readonly TableDefinition[], existingObjectIds: ReadonlyMap<string, string> = new Map()): DictionarySource {
  const objects: Array<Record<string, string>> = [];
  const entries: Array<Record<string, string>> = [];
  const choices: Array<Record<string, string>> = [];
  const numbers: Array<Record<string, string>> = [];
  const indexes = new Map<string, string[][]>();
  const idOf = (name: string): string => existingObjectIds.get(name) ?? stableSysId(`sys_db_object:${name}`);
  for (const def of defs) {
    const scope = def.scope ?? 'global';
    objects.push({
      sys_id: idOf(def.name),
      name: def.name,
      label: def.label,
      super_class: def.extends ? idOf(def.extends) : '',
      is_extendable: String(def.extensible ?? false),
      sys_scope: scope,
      sys_update_name: `sys_db_object_${def.name}`,
    });
    entries.push({
      sys_id: stableSysId(`sys_dictionary:${def.name}:`),
      name: def.name,
      element: '',
      column_label: def.label,
      internal_type: 'collection',
      sys_scope: scope,
    });
    const columns = def.extends ? [...def.columns] : [...SYSTEM_COLUMNS, ...(def.extensible ? [CLASS_COLUMN] : []), ...def.columns];
    for (const col of columns) {
      entries.push({
        ...dictionaryEntry(def.name, col, scope),
        choice: col.choices && col.choices.length > 0 ? '1' : '',
        ...(col.indexed ? { _indexed: 'true' } : {}),
      });
      for (const c of col.choices ?? []) choices.push(choiceRow(def.name, col.name, c, scope));
    }
    for (const [element, list] of Object.entries(def.choiceOverrides ?? {})) {
      for (const c of list) choices.push(choiceRow(def.name, element, c, scope));
    }
    if (def.numberPrefix) {
      numbers.push({
        sys_id: stableSysId(`sys_number:${def.name}`),
        category: def.name,
        prefix: def.numberPrefix,
        number: String(def.numberStart ?? 10001),
        maximum_digits: '7',
      });
    }
    if (def.indexes) indexes.set(def.name, def.indexes);
  }
  return { objects, entries, choices, numbers, indexes };
}

/** The sys_dictionary row of a column definition (base schema or added at run time). */
export function dictionaryEntry(table: string, col: ColumnDefinition, scope: string): Record<string, string> {
  return {
    sys_id: stableSysId(`sys_dictionary:${table}:${col.name}`),
    name: table,
    element: col.name,
    column_label: col.label ?? col.name,
    internal_type: col.type,
    max_length: col.maxLength === undefined ? '' : String(col.maxLength),
    reference: col.reference ?? '',
    default_value: col.defaultValue ?? '',
    mandatory: String(col.mandatory ?? false),
    read_only: String(col.readOnly ?? false),
    display: String(col.display ?? false),
    active: 'true',
    sys_scope: scope,
  };
}

function choiceRow(table: string, element: string, c: ChoiceDefinition, scope: string): Record<string, string> {
  return {
    sys_id: stableSysId(`sys_choice:${table}:${element}:${c.value}`),
    name: table,
    element,
    value: c.value,
    label: c.label,
    sequence: String(c.sequence ?? 0),
    inactive: 'false',
    language: 'en',
    sys_scope: scope,
  };
}
