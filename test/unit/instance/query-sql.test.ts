import fc from 'fast-check';
import { evaluateQuery, parseEncodedQuery, escapeQueryValue, OPERATORS, CHANGE_OPERATORS, type Operator } from '../../../src/instance/query';
import { InstanceEngine } from '../../../src/instance/records/engine';

/**
 * The SQL the compiler produces and the in-memory evaluator must agree on every operator; the
 * property test checks that on random records and random conditions, dot-walks included.
 */
describe('encoded queries against SQLite', () => {
  let engine: InstanceEngine;
  const targets: string[] = [];
  const probes: string[] = [];

  const S = ['', 'abc', 'ABC', 'a^b', 'x%y', 'b_c', 'zeta', 'Ab'];
  const N = ['', '-1', '0', '2', '10', '100'];
  const B = ['', 'true', 'false'];
  const D = ['', '2024-01-01 00:00:00', '2024-06-30 12:00:00', '2025-01-01 08:00:00'];

  beforeAll(() => {
    engine = InstanceEngine.open({ dbPath: ':memory:' });
    engine.schema.defineTable({
      name: 'u_target',
      label: 'Target',
      columns: [
        { name: 'name', type: 'string', display: true },
        { name: 'level', type: 'integer' },
        { name: 'parent', type: 'reference', reference: 'u_target' },
      ],
    });
    engine.schema.defineTable({
      name: 'u_probe',
      label: 'Probe',
      columns: [
        { name: 's', type: 'string' },
        { name: 'n', type: 'integer' },
        { name: 'b', type: 'boolean' },
        { name: 'd', type: 'glide_date_time' },
        { name: 'r', type: 'reference', reference: 'u_target' },
        { name: 't', type: 'string' },
      ],
    });
    const root = engine.insert('u_target', { name: 'root', level: '0' });
    targets.push(root.sysId);
    for (const [i, name] of ['Alpha', 'beta', 'GAMMA', ''].entries()) {
      targets.push(engine.insert('u_target', { name, level: String(i * 5), parent: i % 2 === 0 ? root.sysId : '' }).sysId);
    }
    let state = 12345;
    const rng = (_i: number, list: string[]): string => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return list[Math.floor(state / 65536) % list.length];
    };
    // Rows every specific test below relies on, whatever the random ones hold.
    for (const [sv, nv] of [['abc', '10'], ['ABC', '100'], ['x%y', '2'], ['b_c', '-1']]) probes.push(engine.insert('u_probe', { s: sv, n: nv, r: targets[1] }).sysId);
    for (let i = 0; i < 60; i++) {
      probes.push(
        engine.insert('u_probe', {
          s: rng(i, S),
          n: rng(i * 3, N),
          b: rng(i * 5, B),
          d: rng(i * 11, D),
          r: i % 6 === 0 ? '' : targets[i % targets.length],
          t: rng(i * 13, S),
        }).sysId,
      );
    }
  });
  afterAll(() => engine.close());

  const ids = (query: string): string[] =>
    engine
      .query('u_probe', { query })
      .records.map((r) => r.sysId)
      .sort();

  const evaluated = (query: string): string[] => {
    const parsed = parseEncodedQuery(query);
    const meta = engine.tableMeta('u_probe');
    const reader = engine.reader();
    return engine
      .query('u_probe', {})
      .records.filter((r) => evaluateQuery(parsed, reader.context(meta, r.values, null)))
      .map((r) => r.sysId)
      .sort();
  };

  it('agrees with the evaluator on random conditions (every operator, dot-walks, OR, NQ)', () => {
    const fields = ['s', 'n', 'b', 'd', 'r', 't', 'r.name', 'r.level', 'r.parent.name', 'r.parent.level', 'nope'];
    const operators = OPERATORS.filter((o) => !CHANGE_OPERATORS.has(o));
    const values = [...S, ...N, ...B, ...D, 'a', 'B', 'abc,zeta', '0,2', '1@50', '2024-01-01@2024-12-31', 'alpha', 'ALPHA', 's', 't', 'n'];
    const term = fc
      .tuple(fc.constantFrom(...fields), fc.constantFrom(...operators), fc.constantFrom(...values))
      .map(([f, op, v]) => `${f}${op}${['ISEMPTY', 'ISNOTEMPTY', 'ANYTHING', 'EMPTYSTRING'].includes(op as Operator) ? '' : escapeQueryValue(v)}`);
    const group = fc.array(term, { minLength: 1, maxLength: 2 }).map((t) => t.join('^OR'));
    const segment = fc.array(group, { minLength: 1, maxLength: 3 }).map((g) => g.join('^'));
    const query = fc.array(segment, { minLength: 1, maxLength: 2 }).map((s) => s.join('^NQ'));
    const total = ids('').length;
    let selective = 0;
    fc.assert(
      fc.property(query, (q) => {
        const found = ids(q);
        expect(found).toEqual(evaluated(q));
        if (found.length > 0 && found.length < total) selective++;
      }),
      { numRuns: 500 },
    );
    // The comparison means something only if many queries select some rows but not all.
    expect(selective).toBeGreaterThan(100);
  });

  it('compares strings case-insensitively and LIKE treats % and _ literally', () => {
    expect(ids('s=abc')).toEqual(evaluated('s=abc'));
    expect(ids('s=abc').length).toBeGreaterThan(ids('s=abc^s!=ABC').length);
    const percent = engine.query('u_probe', { query: 'sLIKEx%y' }).records.map((r) => r.values.s);
    expect(percent.length).toBeGreaterThan(0);
    expect(new Set(percent)).toEqual(new Set(['x%y']));
    expect(new Set(engine.query('u_probe', { query: 'sLIKEb_' }).records.map((r) => r.values.s))).toEqual(new Set(['b_c']));
  });

  it('treats != like SQL: empty values never match', () => {
    const rows = engine.query('u_probe', { query: 'n!=2' }).records;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.values.n !== '' && r.values.n !== '2')).toBe(true);
  });

  it('compares integers as numbers', () => {
    const rows = engine.query('u_probe', { query: 'n>=10' }).records.map((r) => r.values.n);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((n) => Number(n) >= 10)).toBe(true);
    expect(rows).toEqual(expect.arrayContaining(['10', '100']));
    const ordered = engine.query('u_probe', { query: 'nISNOTEMPTY^ORDERBYn' }).records.map((r) => Number(r.values.n));
    expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
  });

  it('includes empty references for ISEMPTY through a dot-walk (outer-join semantics)', () => {
    const rows = engine.query('u_probe', { query: 'r.nameISEMPTY' }).records;
    expect(rows.some((r) => r.values.r === '')).toBe(true);
    expect(rows.some((r) => r.values.r !== '')).toBe(true);
  });

  it('orders by a reference by its display value, and by dot-walked fields', () => {
    const names = engine.query('u_probe', { query: 'rISNOTEMPTY^ORDERBYDESCr' }).records.map((r) => engine.displayValue(r, 'r').toLowerCase());
    expect(names).toEqual([...names].sort().reverse());
    const levels = engine.query('u_probe', { query: 'r.levelISNOTEMPTY^ORDERBYr.level' }).records.map((r) => Number(engine.displayValue(r, 'r.level')));
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });

  it('ignores invalid clauses, or returns no rows when glide.invalid_query.returns_no_rows is true', () => {
    const all = ids('');
    expect(ids('nope=1')).toEqual(all);
    expect(ids('s=abc^bogusFOO')).toEqual(ids('s=abc'));
    expect(engine.query('u_probe', { query: 'nope=1' }).invalid[0]?.reason).toMatch(/unknown field 'nope'/);
    engine.setProperty('glide.invalid_query.returns_no_rows', 'true', 'boolean');
    try {
      expect(ids('nope=1')).toEqual([]);
      expect(ids('s=abc')).toEqual(evaluated('s=abc'));
    } finally {
      engine.setProperty('glide.invalid_query.returns_no_rows', 'false', 'boolean');
    }
  });

  it('binds values as parameters: SQL in a value is only data', () => {
    const before = engine.count('u_probe');
    expect(ids(`s=x' OR '1'='1`)).toEqual([]);
    expect(ids(`s=abc"); DROP TABLE u_probe; --`)).toEqual([]);
    expect(engine.count('u_probe')).toBe(before);
  });
});

describe('queries over table hierarchies and journal fields', () => {
  let engine: InstanceEngine;
  beforeAll(() => {
    engine = InstanceEngine.open({ dbPath: ':memory:' });
  });
  afterAll(() => engine.close());

  it('a parent table sees its children’s rows; a child only its own class', () => {
    const inc = engine.insert('incident', { short_description: 'child row' });
    engine.insert('task', { short_description: 'plain task' });
    expect(engine.query('task', { query: 'short_descriptionLIKErow' }).records.map((r) => r.table)).toEqual(['incident']);
    expect(engine.query('incident', { query: 'short_description=plain task' }).records).toHaveLength(0);
    expect(engine.get('incident', inc.sysId)?.values.sys_class_name).toBe('incident');
  });

  it('dot-walks into an extended table filter by class', () => {
    const server = engine.insert('cmdb_ci_server', { name: 'srv-1' });
    const plainCi = engine.insert('cmdb_ci', { name: 'srv-1' });
    engine.insert('cmdb_ci_app_server', { name: 'app-1', running_on: server.sysId });
    engine.insert('cmdb_ci_app_server', { name: 'app-2', running_on: plainCi.sysId });
    const rows = engine.query('cmdb_ci_app_server', { query: 'running_on.name=srv-1' }).records.map((r) => r.values.name);
    expect(rows).toEqual(['app-1']);
  });

  it('queries journal fields through sys_journal_field', () => {
    const a = engine.insert('incident', { short_description: 'with note', work_notes: 'the database is on fire' });
    engine.insert('incident', { short_description: 'without note' });
    const found = engine.query('incident', { query: 'work_notesLIKEon fire' }).records.map((r) => r.sysId);
    expect(found).toEqual([a.sysId]);
  });
});

describe('evaluating a condition in memory', () => {
  /** A record of plain fields (`missing` does not exist); counts the field reads. */
  const recordContext = (values: Record<string, string>, previous: Record<string, string> | null, invalidReturnsNoRows = false) => {
    const reads: string[] = [];
    const read = (source: Record<string, string>) => (path: string) => {
      reads.push(path);
      return path in source ? source[path] : null;
    };
    return {
      reads,
      ctx: {
        value: read(values),
        columnType: (path: string) => (path in values ? 'string' : null),
        previousValue: previous ? read(previous) : undefined,
        invalidReturnsNoRows,
      },
    };
  };

  it('stops at the first true term of an OR group, the first false group, the first true segment', () => {
    const current = { a: '2', b: '1', c: '1' };
    const orGroup = recordContext(current, { a: '1', b: '1', c: '1' });
    expect(evaluateQuery(parseEncodedQuery('aVALCHANGES^ORbVALCHANGES^ORcVALCHANGES'), orGroup.ctx)).toBe(true);
    expect(orGroup.reads.filter((p) => p !== 'a')).toEqual([]);
    const andGroups = recordContext(current, null);
    expect(evaluateQuery(parseEncodedQuery('a=1^b=1^c=1'), andGroups.ctx)).toBe(false);
    expect(andGroups.reads).not.toContain('b');
    const segments = recordContext(current, null);
    expect(evaluateQuery(parseEncodedQuery('a=2^NQb=2'), segments.ctx)).toBe(true);
    expect(segments.reads).not.toContain('b');
    // What the stop skips does not change the outcome: the last term decides when the first ones are false.
    expect(evaluateQuery(parseEncodedQuery('aVALCHANGES^ORbVALCHANGES^ORcVALCHANGES'), recordContext({ a: '1', b: '1', c: '2' }, { a: '1', b: '1', c: '1' }).ctx)).toBe(true);
  });

  it('still reads every term when an invalid one anywhere means no match (glide.invalid_query.returns_no_rows)', () => {
    const lenient = recordContext({ a: '2' }, null);
    expect(evaluateQuery(parseEncodedQuery('a=2^ORmissing=1'), lenient.ctx)).toBe(true);
    const strict = recordContext({ a: '2' }, null, true);
    expect(evaluateQuery(parseEncodedQuery('a=2^ORmissing=1'), strict.ctx)).toBe(false);
    expect(strict.reads).toContain('missing');
    expect(evaluateQuery(parseEncodedQuery('a=2^NQmissing=1'), recordContext({ a: '2' }, null, true).ctx)).toBe(false);
  });
});
