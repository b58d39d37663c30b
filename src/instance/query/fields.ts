import type { ColumnMeta, Dictionary, TableMeta } from '../db/dictionary';

/** One hop of a dot-walked path: the reference column followed and the table it leads to. */
export interface PathStep {
  table: TableMeta;
  column: ColumnMeta;
}

export interface ResolvedPath {
  /** Reference hops before the leaf (empty for a plain field). */
  steps: PathStep[];
  /** The table holding the leaf column. */
  leafTable: TableMeta;
  leaf: ColumnMeta;
}

/**
 * Resolves `caller_id.department` against the dictionary: every segment but the last must be a
 * reference column. Returns null when the path does not exist.
 */
export function resolveFieldPath(dictionary: Dictionary, table: TableMeta, path: string): ResolvedPath | null {
  const parts = path.split('.');
  const steps: PathStep[] = [];
  let current = table;
  for (let i = 0; i < parts.length; i++) {
    const column = current.columns.get(parts[i]);
    if (!column) return null;
    if (i === parts.length - 1) return { steps, leafTable: current, leaf: column };
    if (column.type !== 'reference' || !column.reference) return null;
    const next = dictionary.table(column.reference);
    if (!next) return null;
    steps.push({ table: current, column });
    current = next;
  }
  return null;
}

/** Types compared as numbers. */
export function isNumericType(type: string): boolean {
  return type === 'integer' || type === 'decimal' || type === 'float' || type === 'longint';
}

/** Resolves the expression of a `javascript:` value (`gs.getUserID()`); undefined when unknown. */
export type DynamicValueResolver = (expression: string) => string | undefined;

/**
 * A query value with its `javascript:` expression evaluated, when the resolver knows it. Only whole
 * values are dynamic (`caller_id=javascript:gs.getUserID()`); anything else is returned unchanged.
 */
export function resolveDynamicValues(value: string, resolver: DynamicValueResolver | undefined): string {
  if (!resolver || !value.startsWith('javascript:')) return value;
  const expression = value.slice('javascript:'.length).trim().replace(/;$/, '');
  return resolver(expression) ?? value;
}
