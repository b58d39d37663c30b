import fc from 'fast-check';
import {
  EncodedQuery,
  QUERY_OPERATORS,
  encodedQuery,
  escapeQueryValue,
  type QueryBuilder,
  type QueryOperator,
} from '../../../../src/companion/client/encoded-query';
import { InvalidIdentifierError, InvalidQueryError } from '../../../../src/companion/client/errors';

/**
 * A reference reader for the encoded queries the builder writes, independent of the builder:
 * `^^` is a literal caret, a single `^` separates clauses, and a clause after a separator starts
 * with `OR`, `NQ`, `ORDERBY` or `ORDERBYDESC`, or with a (lower-case) field name.
 */
type Clause =
  | { join: 'start' | 'and' | 'or' | 'nq'; field: string; operator: QueryOperator; value?: string | string[] }
  | { join: 'order'; field: string; descending: boolean };

// Longest first, so NOT LIKE is not read as something shorter.
const OPERATORS_LONGEST_FIRST = [...QUERY_OPERATORS].sort((a, b) => b.length - a.length);

function splitOnSeparators(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '^') {
      if (text[i + 1] === '^') {
        current += '^';
        i += 1;
      } else {
        parts.push(current);
        current = '';
      }
    } else current += text[i];
  }
  parts.push(current);
  return parts;
}

function parseCondition(join: 'start' | 'and' | 'or' | 'nq', text: string): Clause {
  const field = /^[a-z0-9_.]+/.exec(text)?.[0];
  if (!field) throw new Error(`no field in ${JSON.stringify(text)}`);
  const rest = text.slice(field.length);
  const operator = OPERATORS_LONGEST_FIRST.find((op) => rest.startsWith(op));
  if (!operator) throw new Error(`no operator in ${JSON.stringify(text)}`);
  const value = rest.slice(operator.length);
  if (operator === 'ISEMPTY' || operator === 'ISNOTEMPTY') {
    if (value !== '') throw new Error(`unary operator with a value in ${JSON.stringify(text)}`);
    return { join, field, operator };
  }
  if (operator === 'IN' || operator === 'NOT IN') return { join, field, operator, value: value.split(',') };
  return { join, field, operator, value };
}

function parseEncodedQuery(text: string): Clause[] {
  if (text === '') return [];
  return splitOnSeparators(text).map((part, index): Clause => {
    if (part.startsWith('ORDERBYDESC')) return { join: 'order', field: part.slice(11), descending: true };
    if (part.startsWith('ORDERBY')) return { join: 'order', field: part.slice(7), descending: false };
    if (index === 0) return parseCondition('start', part);
    if (part.startsWith('OR')) return parseCondition('or', part.slice(2));
    if (part.startsWith('NQ')) return parseCondition('nq', part.slice(2));
    return parseCondition('and', part);
  });
}

function textOf(builder: QueryBuilder): string {
  return builder.build().text;
}

describe('encoded query builder', () => {
  it('writes each operator as ServiceNow expects', () => {
    expect(textOf(encodedQuery().where('active', '=', 'true'))).toBe('active=true');
    expect(textOf(encodedQuery().where('state', '!=', 7))).toBe('state!=7');
    expect(textOf(encodedQuery().where('short_description', 'LIKE', 'disk'))).toBe('short_descriptionLIKEdisk');
    expect(textOf(encodedQuery().where('short_description', 'NOT LIKE', 'disk'))).toBe('short_descriptionNOT LIKEdisk');
    expect(textOf(encodedQuery().where('number', 'STARTSWITH', 'INC'))).toBe('numberSTARTSWITHINC');
    expect(textOf(encodedQuery().where('number', 'ENDSWITH', '01'))).toBe('numberENDSWITH01');
    expect(textOf(encodedQuery().where('priority', 'IN', [1, 2, '3']))).toBe('priorityIN1,2,3');
    expect(textOf(encodedQuery().where('priority', 'NOT IN', ['4', '5']))).toBe('priorityNOT IN4,5');
    expect(textOf(encodedQuery().where('sys_mod_count', '<', 3))).toBe('sys_mod_count<3');
    expect(textOf(encodedQuery().where('sys_mod_count', '<=', 3))).toBe('sys_mod_count<=3');
    expect(textOf(encodedQuery().where('sys_mod_count', '>', 3))).toBe('sys_mod_count>3');
    expect(textOf(encodedQuery().where('sys_updated_on', '>=', '2025-01-01 00:00:00'))).toBe(
      'sys_updated_on>=2025-01-01 00:00:00',
    );
    expect(textOf(encodedQuery().where('assigned_to', 'ISEMPTY'))).toBe('assigned_toISEMPTY');
    expect(textOf(encodedQuery().where('assigned_to', 'ISNOTEMPTY'))).toBe('assigned_toISNOTEMPTY');
    expect(textOf(encodedQuery().where('active', '=', false))).toBe('active=false');
  });

  it('joins with ^, ^OR and ^NQ and puts sort keys last', () => {
    const query = encodedQuery()
      .where('active', '=', true)
      .or('priority', '=', 1)
      .and('caller_id.user_name', '=', 'bob')
      .orderByDesc('sys_updated_on')
      .newQuery()
      .where('state', '=', 6)
      .orderBy('number');
    expect(textOf(query)).toBe(
      'active=true^ORpriority=1^caller_id.user_name=bob^NQstate=6^ORDERBYDESCsys_updated_on^ORDERBYnumber',
    );
  });

  it('sends field names in lower case', () => {
    expect(textOf(encodedQuery().where('Caller_ID.User_Name', '=', 'Bob').orderBy('SYS_ID'))).toBe(
      'caller_id.user_name=Bob^ORDERBYsys_id',
    );
  });

  it('builds an empty query and a sort-only query', () => {
    expect(encodedQuery().build().text).toBe('');
    expect(encodedQuery().build().isEmpty).toBe(true);
    expect(textOf(encodedQuery().orderBy('number'))).toBe('ORDERBYnumber');
  });

  it('is immutable', () => {
    const base = encodedQuery().where('active', '=', true);
    base.and('priority', '=', 1);
    expect(textOf(base)).toBe('active=true');
  });

  it('escapes ^ by doubling it', () => {
    expect(escapeQueryValue('a^b^^c')).toBe('a^^b^^^^c');
    expect(textOf(encodedQuery().where('short_description', '=', 'x^y'))).toBe('short_description=x^^y');
  });

  describe('injection attempts stay inside their value', () => {
    it.each([
      ['a value that adds an OR clause', 'nothing^ORactive=true'],
      ['a value that starts a new query', 'nothing^NQactive=true'],
      ['a value that adds a sort key', 'x^ORDERBYDESCsys_created_on'],
      ['a value that ends the query', 'x^EQ'],
      ['a value with only carets', '^^^'],
      ['a value with a newline and a clause', 'x\n^active=true'],
      ['a value with = signs', 'a=b=c'],
      ['a value with operators', 'LIKE x IN y ISEMPTY'],
      ['a value ending in a caret', 'trailing^'],
    ])('%s', (_name, value) => {
      const text = textOf(encodedQuery().where('short_description', '=', value).and('active', '=', 'false'));
      expect(parseEncodedQuery(text)).toEqual([
        { join: 'start', field: 'short_description', operator: '=', value },
        { join: 'and', field: 'active', operator: '=', value: 'false' },
      ]);
    });

    it('keeps a caret inside an IN value', () => {
      const text = textOf(encodedQuery().where('number', 'IN', ['INC1^ORactive=true', 'INC2']));
      expect(text).toBe('numberININC1^^ORactive=true,INC2');
      expect(parseEncodedQuery(text)).toEqual([
        { join: 'start', field: 'number', operator: 'IN', value: ['INC1^ORactive=true', 'INC2'] },
      ]);
    });

    it.each([
      'active=true^ORpriority',
      'active^OR',
      'priority=1',
      'caller_id user_name',
      'name LIKE',
      'number\n',
      '1number',
      'a..b',
      '.a',
      'a.',
      '',
      'sys_id;drop',
      'ORDERBYnumber^x',
    ])('refuses the field name %j', (field) => {
      expect(() => encodedQuery().where(field, '=', 'x')).toThrow(InvalidIdentifierError);
      expect(() => encodedQuery().orderBy(field)).toThrow(InvalidIdentifierError);
    });

    it('turns keyword-like field names into harmless lower-case ones', () => {
      // After a separator, upper-case OR/NQ would be read as a keyword; lower case never is.
      expect(textOf(encodedQuery().where('a', '=', 1).and('ORpriority', '=', 1).and('NQx', '=', 2))).toBe(
        'a=1^orpriority=1^nqx=2',
      );
    });

    it.each(['==', '=^OR', 'CONTAINS', 'like', 'BETWEEN', 'SAMEAS', 'DYNAMIC', 'IN^NQ', ''])(
      'refuses the operator %j',
      (operator) => {
        const where = encodedQuery().where.bind(encodedQuery()) as (f: string, o: string, v: unknown) => unknown;
        expect(() => where('active', operator, 'x')).toThrow(InvalidQueryError);
      },
    );

    it('refuses values ServiceNow would run as a script', () => {
      expect(() => encodedQuery().where('assigned_to', '=', 'javascript:gs.getUserID()')).toThrow(/run as a script/);
      expect(() => encodedQuery().where('assigned_to', '=', '  JavaScript:gs.getUserID()')).toThrow(InvalidQueryError);
      expect(() => encodedQuery().where('number', 'IN', ['INC1', 'javascript:x()'])).toThrow(InvalidQueryError);
      // Mentioning it elsewhere in a value is harmless text.
      expect(textOf(encodedQuery().where('short_description', 'LIKE', 'about javascript:'))).toBe(
        'short_descriptionLIKEabout javascript:',
      );
    });
  });

  describe('refuses what it cannot express', () => {
    it('a comma inside an IN value', () => {
      expect(() => encodedQuery().where('number', 'IN', ['INC1,INC2'])).toThrow(/contains a comma/);
      expect(() => encodedQuery().where('number', 'NOT IN', ['a', 'b,c'])).toThrow(InvalidQueryError);
    });

    it('a < or > value that would read as <= or >=', () => {
      expect(() => encodedQuery().where('sys_mod_count', '<', '=5')).toThrow(/use "<=" instead/);
      expect(() => encodedQuery().where('sys_mod_count', '>', '=')).toThrow(InvalidQueryError);
      expect(textOf(encodedQuery().where('sys_mod_count', '<=', '=5'))).toBe('sys_mod_count<==5');
    });

    it('an empty IN list or empty IN value', () => {
      expect(() => encodedQuery().where('number', 'IN', [])).toThrow(/non-empty array/);
      expect(() => encodedQuery().where('number', 'IN', ['a', ''])).toThrow(/is empty/);
    });

    it('values of the wrong kind', () => {
      const where = encodedQuery().where.bind(encodedQuery()) as (f: string, o: string, v?: unknown) => unknown;
      expect(() => where('number', 'IN', 'INC1')).toThrow(InvalidQueryError);
      expect(() => where('number', '=', ['INC1'])).toThrow(InvalidQueryError);
      expect(() => where('number', 'ISEMPTY', 'x')).toThrow(InvalidQueryError);
      expect(() => where('number', '=', null)).toThrow(InvalidQueryError);
      expect(() => where('number', '=', undefined)).toThrow(InvalidQueryError);
      expect(() => where('number', '=', { toString: () => 'x^ORa=b' })).toThrow(InvalidQueryError);
      expect(() => where('sys_mod_count', '>', Number.NaN)).toThrow(InvalidQueryError);
      expect(() => where('sys_mod_count', '>', Number.POSITIVE_INFINITY)).toThrow(InvalidQueryError);
    });

    it('or() and newQuery() without a condition before them, and a dangling newQuery()', () => {
      expect(() => encodedQuery().or('a', '=', 1)).toThrow(/or\(\) needs a condition/);
      expect(() => encodedQuery().newQuery()).toThrow(InvalidQueryError);
      expect(() => encodedQuery().where('a', '=', 1).newQuery().or('b', '=', 2)).toThrow(InvalidQueryError);
      expect(() => encodedQuery().where('a', '=', 1).newQuery().build()).toThrow(/must be followed/);
    });
  });

  describe('EncodedQuery', () => {
    it('wraps a trusted hand-written query as-is', () => {
      expect(EncodedQuery.fromTrustedString('active=true^ORDERBYnumber').text).toBe('active=true^ORDERBYnumber');
    });

    it('appends a sort key after the query\'s own, before nothing else', () => {
      expect(EncodedQuery.EMPTY.thenOrderBy('sys_id').text).toBe('ORDERBYsys_id');
      expect(encodedQuery().where('a', '=', 1).orderByDesc('b').build().thenOrderBy('sys_id').text).toBe(
        'a=1^ORDERBYDESCb^ORDERBYsys_id',
      );
      expect(EncodedQuery.fromTrustedString('active=true^EQ').thenOrderBy('sys_id', 'desc').text).toBe(
        'active=true^ORDERBYDESCsys_id',
      );
      expect(() => EncodedQuery.EMPTY.thenOrderBy('sys_id^ORa')).toThrow(InvalidIdentifierError);
    });

    it('stringifies to its text', () => {
      expect(`${encodedQuery().where('a', '=', 1).build()}`).toBe('a=1');
    });
  });

  describe('property: reading back a built query gives exactly the intended clauses', () => {
    const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/);
    const fieldName = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));
    const nasty = fc
      .array(fc.constantFrom('^', '^OR', '^NQ', '^ORDERBY', 'ORDERBYDESC', '^EQ', ',', '=', '!=', '\n', '\r', 'a', 'Z', 'x^', '^^', 'LIKE', 'IN', ' ', '@', '%', '&', '\u0000', 'é'), {
        maxLength: 12,
      })
      .map((parts) => parts.join(''));
    const value = fc
      .oneof(fc.string(), fc.string({ unit: 'binary' }), nasty)
      .filter((v) => !/^\s*javascript:/i.test(v));
    const listValue = value.filter((v) => v !== '' && !v.includes(','));
    // Refused by the builder (tested above): "<" or ">" with a value starting with "=".
    const isAmbiguous = (c: { operator: string; value?: unknown }): boolean =>
      (c.operator === '<' || c.operator === '>') && typeof c.value === 'string' && c.value.startsWith('=');

    const condition = fc.oneof(
      fc.record({
        field: fieldName,
        operator: fc.constantFrom('=', '!=', 'LIKE', 'NOT LIKE', 'STARTSWITH', 'ENDSWITH', '<', '<=', '>', '>=' as const),
        value,
      }),
      fc.record({
        field: fieldName,
        operator: fc.constantFrom('IN', 'NOT IN' as const),
        value: fc.array(listValue, { minLength: 1, maxLength: 4 }),
      }),
      fc.record({ field: fieldName, operator: fc.constantFrom('ISEMPTY', 'ISNOTEMPTY' as const) }),
    ).filter((c) => !isAmbiguous(c));
    const plan = fc.record({
      segments: fc.array(fc.array(fc.record({ condition, or: fc.boolean() }), { minLength: 1, maxLength: 4 }), {
        minLength: 1,
        maxLength: 3,
      }),
      sortKeys: fc.array(fc.record({ field: fieldName, descending: fc.boolean() }), { maxLength: 3 }),
    });

    it('holds for arbitrary values, fields and structure', () => {
      fc.assert(
        fc.property(plan, ({ segments, sortKeys }) => {
          let builder = encodedQuery();
          const expected: Clause[] = [];
          segments.forEach((segment, s) => {
            if (s > 0) builder = builder.newQuery();
            segment.forEach(({ condition: c, or }, i) => {
              const join = i === 0 ? (s === 0 ? 'start' : 'nq') : or ? 'or' : 'and';
              const add = (i > 0 && or ? builder.or : builder.and).bind(builder) as (
                f: string,
                o: string,
                v?: unknown,
              ) => QueryBuilder;
              builder = add(c.field, c.operator, 'value' in c ? c.value : undefined);
              expected.push({ join, field: c.field, operator: c.operator, ...('value' in c ? { value: c.value } : {}) } as Clause);
            });
          });
          for (const key of sortKeys) {
            builder = key.descending ? builder.orderByDesc(key.field) : builder.orderBy(key.field);
            expected.push({ join: 'order', field: key.field, descending: key.descending });
          }
          expect(parseEncodedQuery(builder.build().text)).toEqual(expected);
        }),
        { numRuns: 3000 },
      );
    });
  });
});
