import { IncidentSnError } from '../../shared/errors';
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
  if (!FIELD_PATH.test(field)) throw new IncidentSnError(`not a field name: ${JSON.stringify(field)}`, { code: 'query_field_invalid' });
  return `${field}${operator}${UNARY_OPERATORS.has(operator) ? '' : escapeQueryValue(value)}`;
}

/** Prefixes the parser reads as markers at the start of a clause (segment break, OR, ordering…). */
const MARKER_PREFIXES = ['NQ', 'OR', 'EQ', 'GROUPBY'];

function termToString(term: Term): string {
  // An unreadable clause that starts like a marker would be read back as that marker: it carries
  // nothing a round trip could keep, so it is left out like an empty one.
  if (term.kind === 'invalid') return MARKER_PREFIXES.some((p) => term.text.startsWith(p)) ? '' : escapeQueryValue(term.text);
  return `${term.field}${term.operator}${escapeQueryValue(term.value)}`;
}

/**
 * The encoded form of a parsed query (ORDERBY clauses last). Empty clauses (a bare `OR`, `^^` runs)
 * carry nothing and are left out, so that stringify(parse(stringify(q))) is stringify(q).
 */
export function stringifyEncodedQuery(query: EncodedQuery): string {
  const parts: string[] = [];
  const nonEmpty = (texts: string[]): string[] => texts.filter((t) => t !== '');
  const body = nonEmpty(query.segments.map((segment) => nonEmpty(segment.groups.map((group) => nonEmpty(group.terms.map(termToString)).join('^OR'))).join('^'))).join(
    '^NQ',
  );
  if (body) parts.push(body);
  for (const o of query.orderBy) parts.push(`${o.descending ? 'ORDERBYDESC' : 'ORDERBY'}${o.field}`);
  return parts.join('^');
}
