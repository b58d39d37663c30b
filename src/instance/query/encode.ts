import { FIELD_PATH, UNARY_OPERATORS, type EncodedQuery, type Operator, type Term } from './ast';

/** Escapes a value for an encoded query: a literal `^` is written `^^`. */
export function escapeQueryValue(value: string): string {
  return value.replace(/\^/g, '^^');
}

/**
 * One condition, built safely: the field must be a field path (never user input pasted in), the
 * value is escaped.
 */
export function queryCondition(field: string, operator: Operator, value = ''): string {
  if (!FIELD_PATH.test(field)) throw new Error(`not a field name: ${JSON.stringify(field)}`);
  return `${field}${operator}${UNARY_OPERATORS.has(operator) ? '' : escapeQueryValue(value)}`;
}

function termToString(term: Term): string {
  if (term.kind === 'invalid') return escapeQueryValue(term.text);
  return `${term.field}${term.operator}${escapeQueryValue(term.value)}`;
}

/** The encoded form of a parsed query (ORDERBY clauses last). */
export function stringifyEncodedQuery(query: EncodedQuery): string {
  const parts: string[] = [];
  const body = query.segments
    .map((segment) => segment.groups.map((group) => group.terms.map(termToString).join('^OR')).join('^'))
    .join('^NQ');
  if (body) parts.push(body);
  for (const o of query.orderBy) parts.push(`${o.descending ? 'ORDERBYDESC' : 'ORDERBY'}${o.field}`);
  return parts.join('^');
}
