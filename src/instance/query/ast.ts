/** The parsed form of an encoded query (`active=true^priority<=2^ORDERBYnumber`). */

/** Operators, longest first: the parser tries them in this order right after the field name. */
export const OPERATORS = [
  'NOT LIKE',
  'NOT IN',
  'ISNOTEMPTY',
  'ISEMPTY',
  'STARTSWITH',
  'ENDSWITH',
  'VALCHANGES',
  'CHANGESFROM',
  'CHANGESTO',
  'EMPTYSTRING',
  'ANYTHING',
  'NSAMEAS',
  'SAMEAS',
  'BETWEEN',
  'LIKE',
  'IN',
  '!=',
  '<=',
  '>=',
  '=',
  '<',
  '>',
] as const;

export type Operator = (typeof OPERATORS)[number];

/** Operators that take no value. */
export const UNARY_OPERATORS: ReadonlySet<Operator> = new Set(['ISEMPTY', 'ISNOTEMPTY', 'VALCHANGES', 'ANYTHING', 'EMPTYSTRING']);

/** Operators that only make sense with a previous version of the record (business-rule conditions). */
export const CHANGE_OPERATORS: ReadonlySet<Operator> = new Set(['VALCHANGES', 'CHANGESFROM', 'CHANGESTO']);

export interface Condition {
  kind: 'condition';
  /** Field name, dot-walked through references when it contains dots (`caller_id.user_name`). */
  field: string;
  operator: Operator;
  /** The value with `^^` already turned back into `^`. Empty for unary operators. */
  value: string;
}

/** A clause the parser could not understand; kept so callers can decide to ignore it or return no rows. */
export interface InvalidClause {
  kind: 'invalid';
  text: string;
  reason: string;
}

export type Term = Condition | InvalidClause;

/** Terms joined by `^OR`. */
export interface OrGroup {
  terms: Term[];
}

/** Groups joined by `^` (AND). Segments are joined by `^NQ` (OR of whole queries). */
export interface QuerySegment {
  groups: OrGroup[];
}

export interface OrderBy {
  field: string;
  descending: boolean;
}

export interface EncodedQuery {
  segments: QuerySegment[];
  orderBy: OrderBy[];
}

/** Field paths: lower-case identifiers joined by dots. */
export const FIELD_PATH = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
