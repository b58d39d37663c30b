import { generateMac } from '../../helpers/hmac';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/** The Glide APIs scripts see, over the real engine and the default seed. */

let rt: RuntimeEngine;

beforeAll(async () => {
  rt = await openRuntimeEngine();
});

afterAll(() => rt.close());

function syslog(query: string): Array<Record<string, string>> {
  return rt.engine.query('syslog', { query: `${query}^ORDERBYsys_created_on` }).records.map((r) => r.values as Record<string, string>);
}

describe('GlideRecord queries', () => {
  it('queries with operators, OR conditions, order and limit', () => {
    const result = rt.run(`
      var gr = new GlideRecord('incident');
      gr.addQuery('priority', '<=', 2).addOrCondition('state', 'IN', '6,7');
      gr.addQuery('short_description', 'CONTAINS', '');
      gr.orderByDesc('number');
      gr.setLimit(3);
      gr.query();
      var numbers = [];
      while (gr.next()) numbers.push(gr.getValue('number'));
      return { numbers: numbers, count: gr.getRowCount(), query: gr.getEncodedQuery() };
    `) as { numbers: string[]; count: number; query: string };
    const expected = rt.engine
      .query('incident', { query: 'priority<=2^ORstateIN6,7^ORDERBYDESCnumber', limit: 3 })
      .records.map((r) => r.values.number);
    expect(result.numbers).toEqual(expected);
    expect(result.count).toBe(3);
    expect(result.query).toBe('priority<=2^ORstateIN6,7^short_descriptionLIKE^ORDERBYDESCnumber');
  });

  it('escapes values and neutralises field names that would inject clauses', () => {
    const found = rt.run(`
      var a = new GlideRecord('incident'); a.addQuery('short_description', 'x^ORactive=true'); a.query();
      var b = new GlideRecord('incident'); b.addQuery('active=true^ORshort_description', 'x'); b.query();
      return [a.getRowCount(), a.getEncodedQuery(), b.getEncodedQuery()];
    `);
    expect(found).toEqual([0, 'short_description=x^^ORactive=true', 'invalid_field_name=x']);
  });

  it('gets a record by sys_id, by field and value, and by number; reads fields as elements', () => {
    const incident = rt.engine.query('incident', { query: 'number=INC0010001' }).records[0];
    const result = rt.run(`
      var a = new GlideRecord('incident'); var byId = a.get('${incident.sysId}');
      var b = new GlideRecord('incident'); var byField = b.get('number', 'INC0010001');
      var c = new GlideRecord('incident'); var byNumber = c.get('INC0010001');
      var d = new GlideRecord('incident'); var missing = d.get('0123456789abcdef0123456789abcdef');
      return [byId, byField, byNumber, missing, a.getUniqueValue(), c.sys_id.toString(), a.caller_id.user_name.toString(),
        a.caller_id.getRefRecord().getValue('user_name'), a.getDisplayValue('state'), a.state.getDisplayValue(), a.getDisplayValue(),
        a.getTableName(), a.isValidRecord(), d.isValidRecord(), a.isNewRecord(), a.short_description.nil(), a.close_notes.nil()];
    `) as unknown[];
    const caller = rt.engine.get('sys_user', incident.values.caller_id);
    expect(result.slice(0, 4)).toEqual([true, true, true, false]);
    expect(result.slice(4, 6)).toEqual([incident.sysId, incident.sysId]);
    expect(result.slice(6, 8)).toEqual([caller?.values.user_name, caller?.values.user_name]);
    expect(result.slice(8)).toEqual([
      rt.engine.displayValue(incident, 'state'),
      rt.engine.displayValue(incident, 'state'),
      'INC0010001',
      'incident',
      true,
      false,
      false,
      false,
      incident.values.close_notes === '',
    ]);
  });

  it('returns booleans as the platform stores them from getValue ("1"/"0"), as true/false elsewhere', () => {
    const result = rt.run(`
      var gr = new GlideRecord('incident'); gr.addQuery('active', false); gr.setLimit(1); gr.query(); gr.next();
      var on = new GlideRecord('incident'); on.addActiveQuery(); on.setLimit(1); on.query(); on.next();
      return [gr.getValue('active'), gr.active.toString(), gr.getDisplayValue('active'), gr.active == false,
        on.getValue('active'), on.active.getValue(), String(on.active), on.active == true];
    `);
    expect(result).toEqual(['0', 'false', 'false', true, '1', '1', 'true', true]);
  });

  it('reads a parent table’s rows with their class', () => {
    expect(
      rt.run(`var t = new GlideRecord('task'); t.addQuery('number', 'STARTSWITH', 'INC'); t.setLimit(1); t.query(); t.next();
        return [t.getTableName(), t.getRecordClassName(), t.getClassDisplayValue()];`),
    ).toEqual(['task', 'incident', 'Incident']);
  });
});

describe('GlideRecord writes', () => {
  it('inserts, updates and deletes, with the engine’s platform rules and the session user', () => {
    const result = rt.run(
      `
      var gr = new GlideRecord('incident');
      gr.initialize();
      gr.short_description = 'from a script';
      gr.setValue('impact', 1);
      gr.urgency = 1;
      var id = gr.insert();
      var after = [gr.isNewRecord(), gr.getValue('priority'), gr.getValue('number').indexOf('INC'), gr.sys_created_by.toString()];
      gr.state = 2;
      gr.update();
      var read = new GlideRecord('incident'); read.get(id);
      var updated = [read.getValue('state'), read.getValue('sys_mod_count'), read.getValue('sys_updated_by')];
      var gone = read.deleteRecord();
      var again = new GlideRecord('incident');
      return { id: id, after: after, updated: updated, gone: gone, exists: again.get(id) };
    `,
      { as: 'itil.user' },
    ) as { id: string; after: unknown[]; updated: unknown[]; gone: boolean; exists: boolean };
    expect(result.id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.after).toEqual([false, '1', 0, 'itil.user']);
    expect(result.updated).toEqual(['2', '1', 'itil.user']);
    expect(result.gone).toBe(true);
    expect(result.exists).toBe(false);
  });

  it('tracks changes since the record was read', () => {
    expect(
      rt.run(`var gr = new GlideRecord('incident'); gr.get('number', 'INC0010001');
        var before = gr.state.changes();
        var old = gr.getValue('state');
        gr.state = old === '2' ? '3' : '2';
        return [before, gr.state.changes(), gr.state.changesFrom(old), gr.state.changesTo(gr.getValue('state')), gr.state.changesTo('99'), gr.impact.changes()];`),
    ).toEqual([false, true, true, true, false, false]);
  });

  it('updates and deletes many records at once', () => {
    rt.engine.insert('incident', { short_description: 'bulk one' });
    rt.engine.insert('incident', { short_description: 'bulk two' });
    expect(
      rt.run(`var u = new GlideRecord('incident'); u.addQuery('short_description', 'STARTSWITH', 'bulk'); u.setValue('description', 'bulk updated'); u.updateMultiple();
        var d = new GlideRecord('incident'); d.addQuery('description', 'bulk updated'); d.query(); var n = d.getRowCount();
        var x = new GlideRecord('incident'); x.addQuery('description', 'bulk updated'); x.deleteMultiple();
        var y = new GlideRecord('incident'); y.addQuery('description', 'bulk updated'); y.query();
        return [n, y.getRowCount()];`),
    ).toEqual([2, 0]);
  });

  it('runs business rules for its writes unless setWorkflow(false)', () => {
    rt.engine.insert('sys_script', {
      name: 'Stamp description',
      collection: 'incident',
      when: 'before',
      action_insert: 'true',
      active: 'true',
      script: `current.description = 'stamped';`,
    });
    expect(
      rt.run(`var a = new GlideRecord('incident'); a.short_description = 'with rules'; a.insert();
        var b = new GlideRecord('incident'); b.setWorkflow(false); b.short_description = 'without rules'; b.insert();
        return [a.getValue('description'), b.getValue('description')];`),
    ).toEqual(['stamped', null]);
  });
});

describe('GlideRecord and GlideRecordSecure', () => {
  it('plain GlideRecord ignores ACLs; GlideRecordSecure applies them', () => {
    const result = rt.run(
      `
      var plain = new GlideRecord('oauth_entity'); plain.query();
      var secure = new GlideRecordSecure('oauth_entity'); secure.query();
      var u1 = new GlideRecord('sys_user'); u1.user_name = 'made.by.plain'; var plainId = u1.insert();
      var u2 = new GlideRecordSecure('sys_user'); u2.user_name = 'made.by.secure'; var secureId = u2.insert();
      var inc = new GlideRecordSecure('incident'); inc.setLimit(1); inc.query(); inc.next();
      return [plain.getRowCount() > 0, secure.getRowCount(), plain.canRead(), typeof plainId, secureId, u2.getLastErrorMessage() !== '', inc.isValidRecord(), inc.canWrite(), inc.canDelete()];
    `,
      { as: 'itil.user' },
    );
    expect(result).toEqual([true, 0, false, 'string', null, true, true, true, false]);
  });
});

describe('GlideDateTime', () => {
  it('parses, formats, compares and adds in UTC', () => {
    expect(
      rt.run(`var a = new GlideDateTime('2026-01-02 03:04:05'); var b = new GlideDateTime(a); b.addSeconds(90);
        return [a.getValue(), a.getNumericValue(), b.getDisplayValue(), a.before(b), b.after(a), a.compareTo(b), new GlideDateTime('not a date').isValid(), String(a)];`),
    ).toEqual(['2026-01-02 03:04:05', Date.UTC(2026, 0, 2, 3, 4, 5), '2026-01-02 03:05:35', true, true, -1, false, '2026-01-02 03:04:05']);
    const now = rt.run(`return new GlideDateTime().getNumericValue();`) as number;
    expect(Math.abs(now - Date.now())).toBeLessThan(5000);
  });
});

describe('gs', () => {
  it('reads properties with a default and keeps password2 properties encrypted at rest (getProperty gives the stored form)', () => {
    rt.engine.insert('sys_properties', { name: 'x_test.secret', type: 'password2', value: '' });
    const result = rt.run(`gs.setProperty('x_test.secret', 's3cret'); gs.setProperty('x_test.new', 'fresh');
      return [gs.getProperty('x_test.secret'), gs.getProperty('x_test.missing', 'fallback'), gs.getProperty('x_test.missing'), gs.getProperty('x_test.new'), gs.getProperty('instance_name')];`) as string[];
    const stored = rt.engine.query('sys_properties', { query: 'name=x_test.secret' }).records[0].values;
    expect(result).toEqual([stored.value, 'fallback', null, 'fresh', 'local']);
    expect(stored.type).toBe('password2');
    expect(stored.value).not.toContain('s3cret');
    expect(rt.engine.decrypt(stored.value!)).toBe('s3cret');
  });

  it('knows the user and their roles (admin holds every role)', () => {
    const itil = rt.run(`return [gs.getUserName(), gs.getUserID().length, gs.hasRole('itil'), gs.hasRole('admin'), gs.hasRole('admin,itil'), gs.getUser().getName(), gs.getUser().hasRole('cmdb_read')];`, {
      as: 'itil.user',
    });
    expect(itil).toEqual(['itil.user', 32, true, false, true, 'itil.user', true]);
    expect(rt.run(`return [gs.getUserName(), gs.hasRole('anything_at_all')];`, { as: 'admin' })).toEqual(['admin', true]);
  });

  it('logs to syslog with the scope (or *** Script) as source, and formats messages', () => {
    rt.run(`gs.info('hello {0} and {1}', 'a', 2); gs.error('bad thing'); gs.log('with source', 'my.source');`, { as: 'itil.user' });
    const rows = syslog('messageINhello a and 2,bad thing,with source');
    expect(rows.map((r) => [r.level, r.source, r.message, r.sys_created_by])).toEqual([
      ['0', '*** Script', 'hello a and 2', 'itil.user'],
      ['2', '*** Script', 'bad thing', 'itil.user'],
      ['0', 'my.source', 'with source', 'itil.user'],
    ]);
    expect(rt.run(`return [gs.generateGUID().length, gs.nil(''), gs.nil('x'), gs.getMessage('Hi {0}', ['you'])];`)).toEqual([32, true, false, 'Hi you']);
  });
});

describe('crypto and string helpers', () => {
  it('generateMac computes the base64 HMAC the receiver checks', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(rt.run(`return new GlideCertificateEncryption().generateMac('${key}', 'HmacSHA256', '1700000000.{"a":1}');`)).toBe(generateMac(key, '1700000000.{"a":1}'));
    expect(() => rt.run(`return new GlideCertificateEncryption().generateMac('${key}', 'HmacSHA999', 'x');`)).toThrow(/unknown algorithm/);
    expect(rt.run(`return [GlideStringUtil.base64Encode('hé'), GlideStringUtil.base64Decode('aMOp'), new GlideDigest().getSHA256Hex('abc').slice(0, 8)];`)).toEqual([
      'aMOp',
      'hé',
      'BA7816BF',
    ]);
  });
});

describe('GlideAggregate', () => {
  const count = (query: string) => rt.engine.query('incident', { query }).records.length;

  it('counts the records matching the conditions, grouped by a field, ordered by its values', () => {
    const rows = rt.run(`
      var ga = new GlideAggregate('incident');
      ga.addQuery('active', true);
      ga.addAggregate('COUNT');
      ga.groupBy('priority');
      ga.query();
      var out = [];
      while (ga.next()) out.push([ga.getValue('priority'), ga.getAggregate('COUNT')]);
      return out;`) as Array<[string, string]>;
    const priorities = [...new Set(rt.engine.query('incident', { query: 'active=true' }).records.map((r) => r.values.priority ?? ''))].sort();
    expect(rows.map(([p]) => p)).toEqual(priorities);
    expect(rows.length).toBeGreaterThan(1);
    for (const [priority, n] of rows) expect(n).toBe(String(count(`active=true^priority=${priority}`)));
  });

  it('without groupBy gives one row, also when nothing matches ("0")', () => {
    const total = (query: string) =>
      rt.run(`var ga = new GlideAggregate('incident'); ga.addEncodedQuery('${query}'); ga.addAggregate('COUNT'); ga.query(); return [ga.next(), ga.getAggregate('COUNT'), ga.next()];`);
    expect(total('active=true')).toEqual([true, String(count('active=true')), false]);
    expect(total('number=NOPE')).toEqual([true, '0', false]);
  });

  it('refuses what it does not implement, naming it', () => {
    expect(() => rt.run(`new GlideAggregate('incident').addAggregate('SUM', 'reassignment_count');`)).toThrow("GlideAggregate.addAggregate('SUM'): the local instance implements only COUNT");
    expect(() => rt.run(`new GlideAggregate('incident').groupBy('no_such_field');`)).toThrow('table incident has no field no_such_field');
    expect(() => rt.run(`var ga = new GlideAggregate('incident'); ga.addAggregate('COUNT'); ga.query(); return ga.getAggregate('COUNT');`)).toThrow('no current row');
  });
});

describe('what the runtime does not support, and script failures', () => {
  it('names the unsupported API in the error', () => {
    expect(() => rt.run(`gs.eventQueueScheduled('x');`)).toThrow('gs.eventQueueScheduled is not supported by the local instance');
    expect(() => rt.run(`new GlideDate();`)).toThrow('GlideDate is not supported by the local instance');
    expect(() => rt.run(`new GlideAggregate('incident').addTrend('opened_at', 'Month');`)).toThrow('GlideAggregate.addTrend is not supported by the local instance');
    expect(() => rt.run(`var g = new GlideRecord('incident'); g.addJoinQuery('task');`)).toThrow('GlideRecord.addJoinQuery is not supported by the local instance');
    expect(() => rt.run(`new sn_ws.SOAPMessageV2();`)).toThrow('sn_ws.SOAPMessageV2 is not supported by the local instance');
    expect(() => rt.run(`new sn_ws.RESTMessageV2('Named message', 'post');`)).toThrow(/REST message record \(sys_rest_message\) is not supported/);
  });

  it('logs a failing script with its name and stays usable', () => {
    const outcome = rt.runtime.run({ kind: 'business_rule', name: 'Faulty rule', script: `undefinedFunction();` });
    expect(outcome.ok).toBe(false);
    const logged = syslog("messageLIKEBusiness rule 'Faulty rule' failed");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: '2', source: 'Evaluator' });
    expect(logged[0].message).toContain('undefinedFunction is not defined');
    expect(rt.run(`return 1 + 1;`)).toBe(2);
  });

  it('stops a script that runs past the timeout', async () => {
    const quick = await openRuntimeEngine({ scriptTimeoutMs: 100 });
    try {
      const started = Date.now();
      const outcome = quick.runtime.run({ kind: 'script', name: 'endless', script: `while (true) {}` });
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.message).toMatch(/timed out/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      quick.close();
    }
  });

  it('keeps each execution’s declarations to itself', () => {
    rt.run(`var leaked = 'first run'; const alsoLocal = 1;`);
    expect(rt.run(`return typeof leaked + ' ' + typeof alsoLocal;`)).toBe('undefined undefined');
  });
});

describe('script includes', () => {
  it('are globals (and members of their scope) evaluated on first use', () => {
    rt.engine.insert('sys_script_include', {
      name: 'Doubler',
      active: 'true',
      script: `var Doubler = Class.create(); Doubler.prototype = { initialize: function (by) { this.by = by || 2; }, apply: function (n) { return n * this.by; }, type: 'Doubler' };`,
    });
    const scope = rt.engine.insert('sys_scope', { scope: 'x_test', name: 'Test app' });
    rt.engine.insert('sys_script_include', { name: 'Greeter', active: 'true', sys_scope: scope.sysId, script: `var Greeter = Class.create(); Greeter.prototype = { initialize: function () {}, hi: function (n) { return 'hi ' + n; } };` });
    expect(rt.run(`return [new Doubler().apply(21), new Doubler(3).apply(2), new x_test.Greeter().hi('there'), new Greeter().hi('you')];`)).toEqual([42, 6, 'hi there', 'hi you']);
  });
});
