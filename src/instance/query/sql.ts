import { IncidentSnError } from '../../shared/errors';
import { quoteIdentifier } from '../db/database';
import type { ColumnMeta, Dictionary, TableMeta } from '../db/dictionary';
import { normalizeForType } from '../records/values';
import { CHANGE_OPERATORS, type Condition, type EncodedQuery, type Term } from './ast';
import { isNumericType, resolveFieldPath, resolveDynamicValues, type DynamicValueResolver, type ResolvedPath } from './fields';

/**
 * Translates a parsed encoded query into an SQL WHERE clause with bound parameters (values are never
 * pasted into SQL; identifiers come from the dictionary and are checked). Dot-walks become sub-queries
 * on the referenced table: `a IN (SELECT sys_id …)` for operators that are false on an empty value
 * (so the index on the reference column is used), a correlated scalar sub-query for ISEMPTY and for
 * ordering, which behaves like the platform's outer join.
 */

export interface InvalidCondition {
  text: string;
  reason: string;
}

export interface CompiledQuery {
  /** SQL boolean expression over the alias given in the options ('1' when there is no condition). */
  where: string;
  params: unknown[];
  /** ORDER BY list (without the keyword), always ending with the physical row order. */
  orderBy: string;
  invalid: InvalidCondition[];
  /** True when an invalid clause made the whole query return no rows. */
  noRows: boolean;
}

export interface CompileOptions {
  /** Property glide.invalid_query.returns_no_rows. */
  invalidReturnsNoRows?: boolean;
  /** Resolves `javascript:` values (gs.getUserID() …); undefined leaves the value as written. */
  dynamicValue?: DynamicValueResolver;
  /** Alias of the outer physical table. */
  alias?: string;
}

const NULL_TRUE_OPERATORS = new Set(['ISEMPTY', 'EMPTYSTRING', 'ANYTHING']);

class Compiler {
  private aliasCounter = 0;
  readonly params: unknown[] = [];
  readonly invalid: InvalidCondition[] = [];

  constructor(
    private readonly dictionary: Dictionary,
    private readonly dynamicValue: DynamicValueResolver | undefined,
  ) {}

  nextAlias(): string {
    this.aliasCounter++;
    return `q${this.aliasCounter}`;
  }

  /** `alias.sys_class_name IN (…)` when the table is not the root of its hierarchy. */
  classFilter(table: TableMeta, alias: string): string | null {
    if (table.name === table.root || !table.hasClassColumn) return null;
    this.params.push(...table.classNames);
    return `${alias}."sys_class_name" IN (${table.classNames.map(() => '?').join(', ')})`;
  }

  /** Scalar SQL expression of a (possibly dot-walked) path, NULL when a reference is empty. */
  scalar(path: ResolvedPath, alias: string, leafColumn?: string): string {
    const leafName = quoteIdentifier(leafColumn ?? path.leaf.name);
    if (path.steps.length === 0) return `${alias}.${leafName}`;
    let expr = `${alias}.${quoteIdentifier(path.steps[0].column.name)}`;
    for (let i = 0; i < path.steps.length; i++) {
      const target = i + 1 < path.steps.length ? path.steps[i + 1].table : path.leafTable;
      const column = i + 1 < path.steps.length ? quoteIdentifier(path.steps[i + 1].column.name) : leafName;
      const a = this.nextAlias();
      expr = `(SELECT ${a}.${column} FROM ${quoteIdentifier(target.root)} ${a} WHERE ${a}."sys_id" = ${expr})`;
    }
    return expr;
  }

  condition(table: TableMeta, alias: string, original: Term): string | null {
    if (original.kind === 'invalid') {
      this.invalid.push({ text: original.text, reason: original.reason });
      return null;
    }
    const term: Condition = { ...original, value: resolveDynamicValues(original.value, this.dynamicValue) };
    const fail = (reason: string): null => {
      this.invalid.push({ text: `${term.field}${term.operator}${term.value}`, reason });
      return null;
    };
    if (CHANGE_OPERATORS.has(term.operator)) return fail(`${term.operator} only applies to business-rule conditions`);
    const path = resolveFieldPath(this.dictionary, table, term.field);
    if (!path) return fail(`unknown field '${term.field}' on table '${table.name}'`);
    if (term.operator === 'ANYTHING') return '1';
    if (term.operator === 'SAMEAS' || term.operator === 'NSAMEAS') {
      const other = resolveFieldPath(this.dictionary, table, term.value);
      if (!other) return fail(`unknown field '${term.value}' on table '${table.name}'`);
      const op = term.operator === 'SAMEAS' ? '=' : '<>';
      // Sub-query results lose the column's collation: compare case-insensitively explicitly.
      return `${this.scalar(path, alias)} ${op} ${this.scalar(other, alias)} COLLATE NOCASE`;
    }
    if (!path.leaf.physical && !isJournal(path.leaf)) return fail(`field '${term.field}' cannot be queried`);
    if (NULL_TRUE_OPERATORS.has(term.operator) || (term.operator === '=' && term.value === '')) {
      if (isJournal(path.leaf)) return path.steps.length === 0 ? this.journal(path, alias, term, true) : fail('journal fields are not dot-walkable');
      return `(${this.scalar(path, alias)} IS NULL OR ${this.scalar(path, alias)} = '')`;
    }
    // Operators false on an empty value: nest IN sub-queries from the leaf outwards.
    return this.walk(path, 0, alias, term);
  }

  private walk(path: ResolvedPath, index: number, alias: string, term: Condition): string | null {
    if (index === path.steps.length) {
      if (isJournal(path.leaf)) return this.journal(path, alias, term, false);
      return this.leaf(`${alias}.${quoteIdentifier(path.leaf.name)}`, path.leaf, term);
    }
    const step = path.steps[index];
    const target = index + 1 < path.steps.length ? path.steps[index + 1].table : path.leafTable;
    const a = this.nextAlias();
    const filter = this.classFilter(target, a);
    const inner = this.walk(path, index + 1, a, term);
    if (inner === null) return null;
    const where = filter ? `${filter} AND ${inner}` : inner;
    return `${alias}.${quoteIdentifier(step.column.name)} IN (SELECT ${a}."sys_id" FROM ${quoteIdentifier(target.root)} ${a} WHERE ${where})`;
  }

  private journal(path: ResolvedPath, alias: string, term: Condition, empty: boolean): string | null {
    const j = this.nextAlias();
    if (empty) {
      this.params.push(path.leaf.name);
      return `${alias}."sys_id" NOT IN (SELECT ${j}."element_id" FROM "sys_journal_field" ${j} WHERE ${j}."element" = ? AND ${j}."element_id" IS NOT NULL)`;
    }
    const column: ColumnMeta = { ...path.leaf, type: 'string' };
    this.params.push(path.leaf.name);
    const cond = this.leaf(`${j}."value"`, column, term);
    if (cond === null) return null;
    return `${alias}."sys_id" IN (SELECT ${j}."element_id" FROM "sys_journal_field" ${j} WHERE ${j}."element" = ? AND ${cond})`;
  }

  /** The condition on one physical column expression. */
  private leaf(expr: string, column: ColumnMeta, term: Condition): string | null {
    const invalid = (reason: string): null => {
      this.invalid.push({ text: `${term.field}${term.operator}${term.value}`, reason });
      return null;
    };
    const numeric = isNumericType(column.type);
    const norm = (v: string): string => normalizeForType(column.type, v) ?? v;
    const like = (pattern: string): string => {
      this.params.push(pattern);
      return `${expr} LIKE ? ESCAPE '\\'`;
    };
    switch (term.operator) {
      case '=':
        this.params.push(norm(term.value));
        return `${expr} = ?`;
      case '!=':
        if (term.value === '') return `(${expr} IS NOT NULL AND ${expr} <> '')`;
        this.params.push(norm(term.value));
        return `${expr} <> ?`;
      case 'ISNOTEMPTY':
        return `(${expr} IS NOT NULL AND ${expr} <> '')`;
      case 'LIKE':
        return like(`%${escapeLike(term.value)}%`);
      case 'NOT LIKE':
        this.params.push(`%${escapeLike(term.value)}%`);
        return `${expr} NOT LIKE ? ESCAPE '\\'`;
      case 'STARTSWITH':
        return like(`${escapeLike(term.value)}%`);
      case 'ENDSWITH':
        return like(`%${escapeLike(term.value)}`);
      case 'IN':
      case 'NOT IN': {
        const values = term.value.split(',').map((v) => norm(v.trim()));
        this.params.push(...values);
        return `${expr} ${term.operator} (${values.map(() => '?').join(', ')})`;
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (numeric) {
          const n = Number(norm(term.value));
          if (term.value.trim() === '' || !Number.isFinite(n)) return invalid(`'${term.value}' is not a number`);
          this.params.push(n);
          return `CAST(${expr} AS REAL) ${term.operator} ?`;
        }
        this.params.push(norm(term.value));
        return `${expr} ${term.operator} ?`;
      }
      case 'BETWEEN': {
        const at = term.value.indexOf('@');
        if (at < 0) return invalid('BETWEEN needs two values separated by @');
        const low = norm(term.value.slice(0, at));
        const high = norm(term.value.slice(at + 1));
        if (numeric) {
          const lo = Number(low);
          const hi = Number(high);
          if (!Number.isFinite(lo) || !Number.isFinite(hi) || low === '' || high === '') return invalid('BETWEEN needs numbers');
          this.params.push(lo, hi);
          return `(CAST(${expr} AS REAL) >= ? AND CAST(${expr} AS REAL) <= ?)`;
        }
        this.params.push(low, high);
        return `(${expr} >= ? AND ${expr} <= ?)`;
      }
      default:
        return invalid(`operator ${term.operator} is not supported here`);
    }
  }

  orderExpression(table: TableMeta, alias: string, field: string): string | null {
    const path = resolveFieldPath(this.dictionary, table, field);
    if (!path || !path.leaf.physical) return null;
    if (path.leaf.type === 'reference' && path.leaf.reference) {
      const target = this.dictionary.table(path.leaf.reference);
      if (target) {
        const a = this.nextAlias();
        return `(SELECT ${a}.${quoteIdentifier(target.displayColumn)} FROM ${quoteIdentifier(target.root)} ${a} WHERE ${a}."sys_id" = ${this.scalar(path, alias)}) COLLATE NOCASE`;
      }
    }
    const expr = this.scalar(path, alias);
    return isNumericType(path.leaf.type) ? `CAST(${expr} AS REAL)` : `${expr} COLLATE NOCASE`;
  }
}

function isJournal(column: ColumnMeta): boolean {
  return column.type === 'journal_input' || column.type === 'journal';
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Compiles a parsed query for `table` (the class filter of the table itself is not included). */
export function compileQuery(query: EncodedQuery, table: TableMeta, dictionary: Dictionary, options: CompileOptions = {}): CompiledQuery {
  const alias = options.alias ?? 't';
  const c = new Compiler(dictionary, options.dynamicValue);
  const segments: string[] = [];
  let unconstrained = false;
  for (const segment of query.segments) {
    const groups: string[] = [];
    for (const group of segment.groups) {
      const terms = group.terms.map((t) => c.condition(table, alias, t)).filter((t): t is string => t !== null);
      if (terms.length > 0) groups.push(terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`);
    }
    if (groups.length === 0) unconstrained = true;
    else segments.push(groups.length === 1 ? groups[0] : `(${groups.join(' AND ')})`);
  }
  const orderParts: string[] = [];
  const orderParamsStart = c.params.length;
  for (const o of query.orderBy) {
    const expr = c.orderExpression(table, alias, o.field);
    if (expr) orderParts.push(`${expr} ${o.descending ? 'DESC' : 'ASC'}`);
  }
  orderParts.push(`${alias}.rowid ASC`);
  // ORDER BY expressions take no parameters (class filters are not used there); keep params aligned.
  if (c.params.length !== orderParamsStart) throw new IncidentSnError('internal: ORDER BY must not bind parameters', { code: 'query_internal' });
  const noRows = Boolean(options.invalidReturnsNoRows) && c.invalid.length > 0;
  let where: string;
  if (noRows) where = '0';
  else if (unconstrained || segments.length === 0) where = '1';
  else where = segments.length === 1 ? segments[0] : `(${segments.join(' OR ')})`;
  return { where, params: noRows || where === '1' ? [] : c.params, orderBy: orderParts.join(', '), invalid: c.invalid, noRows };
}

/** The class restriction for querying `table` (rows of the table and of tables extending it). */
export function classRestriction(table: TableMeta, alias = 't'): { sql: string; params: string[] } | null {
  if (table.name === table.root || !table.hasClassColumn) return null;
  return {
    sql: `${alias}."sys_class_name" IN (${table.classNames.map(() => '?').join(', ')})`,
    params: [...table.classNames],
  };
}
