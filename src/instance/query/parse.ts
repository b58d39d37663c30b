import {
  FIELD_PATH,
  OPERATORS,
  UNARY_OPERATORS,
  type Condition,
  type EncodedQuery,
  type OrderBy,
  type QuerySegment,
  type Term,
} from './ast';

/**
 * Splits an encoded query on its `^` separators. `^^` is a literal caret inside a value, read
 * left to right: `a=x^^^b=1` is the term `a=x^` followed by `b=1`.
 */
export function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < query.length; i++) {
    const ch = query[i];
    if (ch !== '^') {
      current += ch;
      continue;
    }
    if (query[i + 1] === '^') {
      current += '^';
      i++;
      continue;
    }
    terms.push(current);
    current = '';
  }
  terms.push(current);
  return terms;
}

/** Parses one condition (`field OPERATOR value`); anything unreadable becomes an invalid clause. */
export function parseCondition(text: string): Term {
  const m = /^[a-z0-9_.]+/.exec(text);
  if (!m) return { kind: 'invalid', text, reason: 'no field name' };
  const field = m[0];
  if (!FIELD_PATH.test(field)) return { kind: 'invalid', text, reason: `malformed field name '${field}'` };
  const rest = text.slice(field.length);
  const operator = OPERATORS.find((op) => rest.startsWith(op));
  if (!operator) return { kind: 'invalid', text, reason: `unknown operator after '${field}'` };
  const value = rest.slice(operator.length);
  if (UNARY_OPERATORS.has(operator) && value !== '') {
    return { kind: 'invalid', text, reason: `${operator} takes no value` };
  }
  const condition: Condition = { kind: 'condition', field, operator, value };
  return condition;
}

/** Parses an encoded query. Never throws: what it cannot read becomes an `invalid` term. */
export function parseEncodedQuery(query: string | null | undefined): EncodedQuery {
  const segments: QuerySegment[] = [];
  const orderBy: OrderBy[] = [];
  if (!query) return { segments, orderBy };
  let segment: QuerySegment = { groups: [] };
  segments.push(segment);
  for (let raw of splitTerms(query)) {
    if (raw.startsWith('NQ')) {
      segment = { groups: [] };
      segments.push(segment);
      raw = raw.slice(2);
    }
    if (raw === '' || raw === 'EQ') continue;
    const order = /^ORDERBY(DESC)?(.*)$/.exec(raw);
    if (order) {
      if (FIELD_PATH.test(order[2])) orderBy.push({ field: order[2], descending: order[1] === 'DESC' });
      continue;
    }
    if (raw.startsWith('GROUPBY')) continue;
    if (raw.startsWith('OR') && segment.groups.length > 0) {
      segment.groups[segment.groups.length - 1].terms.push(parseCondition(raw.slice(2)));
      continue;
    }
    segment.groups.push({ terms: [parseCondition(raw.startsWith('OR') ? raw.slice(2) : raw)] });
  }
  return { segments: segments.filter((s) => s.groups.length > 0), orderBy };
}

/** All conditions of a query, wherever they are. */
export function conditionsOf(query: EncodedQuery): Condition[] {
  const out: Condition[] = [];
  for (const s of query.segments) for (const g of s.groups) for (const t of g.terms) if (t.kind === 'condition') out.push(t);
  return out;
}

/** All invalid clauses of a query. */
export function invalidClausesOf(query: EncodedQuery): Term[] {
  const out: Term[] = [];
  for (const s of query.segments) for (const g of s.groups) for (const t of g.terms) if (t.kind === 'invalid') out.push(t);
  return out;
}
