import fc from 'fast-check';
import {
  OPERATORS,
  UNARY_OPERATORS,
  escapeQueryValue,
  parseEncodedQuery,
  queryCondition,
  splitTerms,
  stringifyEncodedQuery,
  type Condition,
  type EncodedQuery,
  type Operator,
} from '../../../src/instance/query';

const cond = (field: string, operator: Operator, value = ''): Condition => ({ kind: 'condition', field, operator, value });

describe('encoded query parser', () => {
  it('reads a condition per operator', () => {
    const cases: Array<[string, Condition]> = [
      ['active=true', cond('active', '=', 'true')],
      ['state!=7', cond('state', '!=', '7')],
      ['short_descriptionLIKEdisk', cond('short_description', 'LIKE', 'disk')],
      ['short_descriptionNOT LIKEdisk', cond('short_description', 'NOT LIKE', 'disk')],
      ['numberSTARTSWITHINC', cond('number', 'STARTSWITH', 'INC')],
      ['numberENDSWITH01', cond('number', 'ENDSWITH', '01')],
      ['stateIN1,2,3', cond('state', 'IN', '1,2,3')],
      ['stateNOT IN6,7', cond('state', 'NOT IN', '6,7')],
      ['priority<3', cond('priority', '<', '3')],
      ['priority<=3', cond('priority', '<=', '3')],
      ['priority>3', cond('priority', '>', '3')],
      ['priority>=3', cond('priority', '>=', '3')],
      ['assigned_toISEMPTY', cond('assigned_to', 'ISEMPTY')],
      ['assigned_toISNOTEMPTY', cond('assigned_to', 'ISNOTEMPTY')],
      ['stateVALCHANGES', cond('state', 'VALCHANGES')],
      ['stateCHANGESFROM1', cond('state', 'CHANGESFROM', '1')],
      ['stateCHANGESTO7', cond('state', 'CHANGESTO', '7')],
      ['opened_bySAMEAScaller_id', cond('opened_by', 'SAMEAS', 'caller_id')],
      ['opened_byNSAMEAScaller_id', cond('opened_by', 'NSAMEAS', 'caller_id')],
      ['priorityBETWEEN1@3', cond('priority', 'BETWEEN', '1@3')],
      ['caller_id.department.name=IT', cond('caller_id.department.name', '=', 'IT')],
    ];
    for (const [text, expected] of cases) {
      expect(parseEncodedQuery(text).segments[0].groups[0].terms[0]).toEqual(expected);
    }
  });

  it('binds ^OR tighter than ^, and ^NQ starts a new query', () => {
    const q = parseEncodedQuery('active=true^priority=1^ORpriority=2^NQstate=7');
    expect(q.segments).toHaveLength(2);
    expect(q.segments[0].groups.map((g) => g.terms.length)).toEqual([1, 2]);
    expect(q.segments[0].groups[1].terms).toEqual([cond('priority', '=', '1'), cond('priority', '=', '2')]);
    expect(q.segments[1].groups[0].terms).toEqual([cond('state', '=', '7')]);
  });

  it('collects ORDERBY and ORDERBYDESC wherever they are, and skips ^EQ and GROUPBY', () => {
    const q = parseEncodedQuery('ORDERBYnumber^active=true^ORDERBYDESCpriority^GROUPBYstate^EQ');
    expect(q.orderBy).toEqual([
      { field: 'number', descending: false },
      { field: 'priority', descending: true },
    ]);
    expect(q.segments[0].groups).toHaveLength(1);
  });

  it('reads ^^ as a literal caret inside a value', () => {
    expect(splitTerms('a=x^^y^b=1')).toEqual(['a=x^y', 'b=1']);
    expect(splitTerms('a=x^^^b=1')).toEqual(['a=x^', 'b=1']);
    expect(parseEncodedQuery('short_description=a^^ORb').segments[0].groups[0].terms).toEqual([cond('short_description', '=', 'a^ORb')]);
  });

  it('turns what it cannot read into invalid clauses instead of failing', () => {
    const q = parseEncodedQuery('active=true^Bogus^stateFOO1^activeISEMPTYx^a..b=1');
    const terms = q.segments[0].groups.map((g) => g.terms[0]);
    expect(terms[0]).toEqual(cond('active', '=', 'true'));
    expect(terms.slice(1).every((t) => t.kind === 'invalid')).toBe(true);
    expect(terms).toHaveLength(5);
  });

  it('returns an empty query for empty input and drops empty ^NQ parts', () => {
    expect(parseEncodedQuery('')).toEqual({ segments: [], orderBy: [] });
    expect(parseEncodedQuery(undefined)).toEqual({ segments: [], orderBy: [] });
    expect(parseEncodedQuery('a=1^NQ').segments).toHaveLength(1);
  });

  it('builds conditions safely: field names checked, values escaped', () => {
    expect(queryCondition('short_description', '=', 'a^b')).toBe('short_description=a^^b');
    expect(queryCondition('assigned_to', 'ISEMPTY', 'ignored')).toBe('assigned_toISEMPTY');
    expect(() => queryCondition('x^ORactive', '=', '1')).toThrow(/not a field name/);
    expect(escapeQueryValue('^^')).toBe('^^^^');
  });
});

// ── Property-based tests ─────────────────────────────────────────────────────
const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
const fieldPath = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
const anyValue = fc.string({ maxLength: 12 });
const condition: fc.Arbitrary<Condition> = fc.tuple(fieldPath, fc.constantFrom(...OPERATORS), anyValue).map(([field, operator, value]) => {
  let v = UNARY_OPERATORS.has(operator) ? '' : value;
  // `<` followed by `=` reads as `<=` (the format itself is ambiguous there): keep such values out.
  if ((operator === '<' || operator === '>') && v.startsWith('=')) v = `x${v}`;
  return cond(field, operator, v);
});
const query: fc.Arbitrary<EncodedQuery> = fc.record({
  segments: fc.array(fc.record({ groups: fc.array(fc.record({ terms: fc.array(condition, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }) }), {
    maxLength: 3,
  }),
  orderBy: fc.array(fc.record({ field: fieldPath, descending: fc.boolean() }), { maxLength: 2 }),
});

describe('encoded query properties', () => {
  it('round-trips: parse(stringify(q)) equals q', () => {
    fc.assert(
      fc.property(query, (q) => {
        expect(parseEncodedQuery(stringifyEncodedQuery(q))).toEqual(q);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps any value, carets included, through escaping', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fieldPath, (value, field) => {
        const q = parseEncodedQuery(`${field}=${escapeQueryValue(value)}^active=true`);
        expect(q.segments[0].groups[0].terms[0]).toEqual(cond(field, '=', value));
        expect(q.segments[0].groups[1].terms[0]).toEqual(cond('active', '=', 'true'));
      }),
      { numRuns: 400 },
    );
  });

  it('never throws on arbitrary input, and stringify(parse(x)) is stable', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: fc.constantFrom('a', 'b', '=', '^', 'O', 'R', 'N', 'Q', '!', '<', 'I', 'S', '.', ',', ' ', 'L', 'K', 'E') }), (text) => {
        const once = parseEncodedQuery(text);
        const again = parseEncodedQuery(stringifyEncodedQuery(once));
        expect(stringifyEncodedQuery(again)).toBe(stringifyEncodedQuery(once));
      }),
      { numRuns: 600 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expect(() => parseEncodedQuery(text)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
