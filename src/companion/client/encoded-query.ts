import { InvalidQueryError } from './errors';
import { normalizeFieldName } from './identifiers';

/**
 * The one place an encoded query (`sysparm_query`) is written. Field names must be identifiers
 * (sent in lower case), operators come from an allow-list, and every `^` in a value is doubled,
 * so no value can end its clause and start another (`^OR…`, `^NQ…`, `^ORDERBY…`).
 */

/** The operators we write. Anything else is refused rather than passed through. */
export const QUERY_OPERATORS = [
  '=',
  '!=',
  'LIKE',
  'NOT LIKE',
  'STARTSWITH',
  'ENDSWITH',
  'IN',
  'NOT IN',
  '<',
  '<=',
  '>',
  '>=',
  'ISEMPTY',
  'ISNOTEMPTY',
] as const;

export type QueryOperator = (typeof QUERY_OPERATORS)[number];
export type ListOperator = 'IN' | 'NOT IN';
export type UnaryOperator = 'ISEMPTY' | 'ISNOTEMPTY';
export type ValueOperator = Exclude<QueryOperator, ListOperator | UnaryOperator>;
export type QueryValue = string | number | boolean;

const OPERATORS: ReadonlySet<string> = new Set(QUERY_OPERATORS);
const LIST_OPERATORS: ReadonlySet<string> = new Set<ListOperator>(['IN', 'NOT IN']);
const UNARY_OPERATORS: ReadonlySet<string> = new Set<UnaryOperator>(['ISEMPTY', 'ISNOTEMPTY']);

// Lets the builder make an EncodedQuery without giving everyone a way to wrap a raw string.
let queryFromBuilder: (text: string) => EncodedQuery;

/**
 * A finished encoded query. Only the builder and `fromTrustedString` make one, so a raw string
 * (possibly holding user input) cannot be passed where a query is expected by accident.
 */
export class EncodedQuery {
  static readonly EMPTY = new EncodedQuery('');

  static {
    queryFromBuilder = (text) => new EncodedQuery(text);
  }

  private constructor(readonly text: string) {}

  /**
   * A query written by hand in code, used as-is. Never pass anything derived from input: that is
   * what the builder is for.
   */
  static fromTrustedString(text: string): EncodedQuery {
    if (typeof text !== 'string') throw new InvalidQueryError('An encoded query must be a string.');
    return new EncodedQuery(text);
  }

  get isEmpty(): boolean {
    return this.text === '';
  }

  /** This query with one more sort key after its own (used to make paging stable by sys_id). */
  thenOrderBy(field: string, direction: 'asc' | 'desc' = 'asc'): EncodedQuery {
    const clause = `${direction === 'asc' ? 'ORDERBY' : 'ORDERBYDESC'}${normalizeFieldName(field)}`;
    // `^EQ` ends a query; a clause after it would be ignored.
    const base = this.text.endsWith('^EQ') ? this.text.slice(0, -3) : this.text;
    return new EncodedQuery(base === '' ? clause : `${base}^${clause}`);
  }

  toString(): string {
    return this.text;
  }
}

/** Doubles `^` so a value can never end its clause. */
export function escapeQueryValue(value: string): string {
  return value.replaceAll('^', '^^');
}

function valueText(value: unknown, field: string): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'boolean') text = String(value);
  else {
    throw new InvalidQueryError(
      `The value for "${field}" must be a string, a finite number or a boolean; got ${value === null ? 'null' : typeof value}.`,
    );
  }
  // The instance evaluates a value starting with "javascript:" as a script: never let input do that.
  if (/^\s*javascript:/i.test(text)) {
    throw new InvalidQueryError(
      `The value for "${field}" starts with "javascript:", which ServiceNow would run as a script; it is refused.`,
    );
  }
  return text;
}

function conditionText(field: string, operator: string, value: unknown): string {
  if (!OPERATORS.has(operator)) {
    throw new InvalidQueryError(
      `${JSON.stringify(String(operator))} is not a supported encoded-query operator; use one of ${QUERY_OPERATORS.join(', ')}.`,
    );
  }
  const name = normalizeFieldName(field);
  if (UNARY_OPERATORS.has(operator)) {
    if (value !== undefined) throw new InvalidQueryError(`${operator} on "${name}" takes no value.`);
    return `${name}${operator}`;
  }
  if (LIST_OPERATORS.has(operator)) {
    if (!Array.isArray(value) || value.length === 0) {
      throw new InvalidQueryError(`${operator} on "${name}" needs a non-empty array of values.`);
    }
    const items = value.map((item: unknown) => {
      const text = valueText(item, name);
      // IN lists are comma-separated and ServiceNow has no way to escape a comma inside one.
      if (text.includes(',')) {
        throw new InvalidQueryError(
          `A value for ${operator} on "${name}" contains a comma, which an encoded query cannot express inside an ` +
            `${operator} list; query it with "=" clauses joined by or() instead.`,
        );
      }
      if (text === '') throw new InvalidQueryError(`A value for ${operator} on "${name}" is empty.`);
      return escapeQueryValue(text);
    });
    return `${name}${operator}${items.join(',')}`;
  }
  if (Array.isArray(value)) throw new InvalidQueryError(`${operator} on "${name}" takes one value, not an array.`);
  const text = valueText(value, name);
  // "<" followed by "=5" would be read back as "<=" with "5".
  if ((operator === '<' || operator === '>') && text.startsWith('=')) {
    throw new InvalidQueryError(
      `The value for ${operator} on "${name}" starts with "=", which would be read as "${operator}="; use "${operator}=" instead.`,
    );
  }
  return `${name}${operator}${escapeQueryValue(text)}`;
}

/**
 * Builds an encoded query. Immutable: every method returns a new builder.
 *
 *   encodedQuery().where('active', '=', true).or('priority', 'IN', [1, 2]).newQuery()
 *     .where('caller_id.user_name', '=', input).orderByDesc('sys_updated_on').build()
 *
 * `and` (or its alias `where`) joins with `^`; `or` joins with `^OR` (which binds tighter than
 * `^`, as in ServiceNow); `newQuery` starts an alternative (`^NQ`). Sort keys go last.
 */
export class QueryBuilder {
  private constructor(
    private readonly conditions: string,
    private readonly segmentHasCondition: boolean,
    private readonly pendingNewQuery: boolean,
    private readonly sortKeys: readonly string[],
  ) {}

  static empty(): QueryBuilder {
    return new QueryBuilder('', false, false, []);
  }

  and(field: string, operator: ValueOperator, value: QueryValue): QueryBuilder;
  and(field: string, operator: ListOperator, values: readonly QueryValue[]): QueryBuilder;
  and(field: string, operator: UnaryOperator): QueryBuilder;
  and(field: string, operator: QueryOperator, value?: QueryValue | readonly QueryValue[]): QueryBuilder {
    return this.append('and', field, operator, value);
  }

  /** The same as and(); reads better for the first condition. */
  where(field: string, operator: ValueOperator, value: QueryValue): QueryBuilder;
  where(field: string, operator: ListOperator, values: readonly QueryValue[]): QueryBuilder;
  where(field: string, operator: UnaryOperator): QueryBuilder;
  where(field: string, operator: QueryOperator, value?: QueryValue | readonly QueryValue[]): QueryBuilder {
    return this.append('and', field, operator, value);
  }

  or(field: string, operator: ValueOperator, value: QueryValue): QueryBuilder;
  or(field: string, operator: ListOperator, values: readonly QueryValue[]): QueryBuilder;
  or(field: string, operator: UnaryOperator): QueryBuilder;
  or(field: string, operator: QueryOperator, value?: QueryValue | readonly QueryValue[]): QueryBuilder {
    return this.append('or', field, operator, value);
  }

  private append(join: 'and' | 'or', field: string, operator: QueryOperator, value: unknown): QueryBuilder {
    if (join === 'or' && !this.segmentHasCondition) {
      throw new InvalidQueryError('or() needs a condition before it to be an alternative to.');
    }
    const condition = conditionText(field, operator, value);
    let separator: string;
    if (join === 'or') separator = '^OR';
    else if (this.segmentHasCondition) separator = '^';
    else separator = this.pendingNewQuery ? '^NQ' : '';
    return new QueryBuilder(`${this.conditions}${separator}${condition}`, true, false, this.sortKeys);
  }

  /** Starts a new query whose results are added to those of the conditions before it (`^NQ`). */
  newQuery(): QueryBuilder {
    if (!this.segmentHasCondition) {
      throw new InvalidQueryError('newQuery() needs at least one condition before it.');
    }
    return new QueryBuilder(this.conditions, false, true, this.sortKeys);
  }

  orderBy(field: string): QueryBuilder {
    return new QueryBuilder(this.conditions, this.segmentHasCondition, this.pendingNewQuery, [
      ...this.sortKeys,
      `ORDERBY${normalizeFieldName(field)}`,
    ]);
  }

  orderByDesc(field: string): QueryBuilder {
    return new QueryBuilder(this.conditions, this.segmentHasCondition, this.pendingNewQuery, [
      ...this.sortKeys,
      `ORDERBYDESC${normalizeFieldName(field)}`,
    ]);
  }

  build(): EncodedQuery {
    if (this.pendingNewQuery) throw new InvalidQueryError('newQuery() must be followed by a condition.');
    const parts = this.conditions === '' ? [...this.sortKeys] : [this.conditions, ...this.sortKeys];
    return queryFromBuilder(parts.join('^'));
  }
}

/** Starts an encoded query. */
export function encodedQuery(): QueryBuilder {
  return QueryBuilder.empty();
}
