import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DataPolicyError, OperationAbortedError, RecordNotFoundError, UnknownTableError } from '../../../src/instance/errors';
import { InstanceEngine } from '../../../src/instance/records/engine';
import { ASYNC_BUSINESS_RULE_JOB, type AfterRuleEvent, type AsyncRuleJobPayload, type BeforeRuleEvent } from '../../../src/instance/records/hooks';
import { PRIORITY_MATRIX } from '../../../src/instance/records/platform-rules';
import { RowStore } from '../../../src/instance/records/store/row-store';
import * as values from '../../../src/instance/records/values';
import * as crypto from '../../../src/instance/security/crypto';

function openEngine(): InstanceEngine {
  return InstanceEngine.open({ dbPath: ':memory:' });
}

describe('record engine: platform behaviour', () => {
  let engine: InstanceEngine;
  beforeEach(() => {
    engine = openEngine();
  });
  afterEach(() => engine.close());

  it('numbers incidents INC0010001, INC0010002 … and tasks with their own prefix', () => {
    expect(engine.insert('incident', {}).values.number).toBe('INC0010001');
    expect(engine.insert('incident', {}).values.number).toBe('INC0010002');
    expect(engine.insert('task', {}).values.number).toBe('TASK0010001');
    expect(engine.insert('incident', { number: 'INC9999999' }).values.number).toBe('INC9999999');
  });

  it('fills sys fields and the incident defaults', () => {
    const inc = engine.insert('incident', { short_description: 'x' });
    const v = inc.values;
    expect(v.sys_id).toMatch(/^[0-9a-f]{32}$/);
    expect(v.sys_created_on).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(v.sys_created_by).toBe('system');
    expect(v.sys_updated_on).toBe(v.sys_created_on);
    expect(v.sys_mod_count).toBe('0');
    expect(v.sys_class_name).toBe('incident');
    expect([v.impact, v.urgency, v.priority, v.state, v.active]).toEqual(['3', '3', '5', '1', 'true']);
    expect(v.opened_at).toBe(v.sys_created_on);
  });

  it('computes priority from impact × urgency for all nine combinations, on insert and update', () => {
    const cases = Object.entries(PRIORITY_MATRIX);
    expect(cases).toHaveLength(9);
    for (const [key, priority] of cases) {
      const [impact, urgency] = key.split(':');
      const inc = engine.insert('incident', { impact, urgency, priority: '1' });
      expect(inc.values.priority).toBe(priority);
    }
    const inc = engine.insert('incident', {});
    expect(engine.update('incident', inc.sysId, { impact: '1', urgency: '1' }).values.priority).toBe('1');
    expect(engine.update('incident', inc.sysId, { urgency: '3' }).values.priority).toBe('3');
  });

  it('answers a write with the row as stored, read back only when something wrote the row again in its transaction', () => {
    const reads = jest.spyOn(RowStore.prototype, 'read');
    const inc = engine.insert('incident', { short_description: 'as written', comments: 'a journal field is no column' });
    const insertReads = reads.mock.calls.length;
    expect(inc).toEqual(engine.get('incident', inc.sysId));
    expect(inc.values.comments).toBeUndefined();
    const beforeUpdate = reads.mock.calls.length;
    const updated = engine.update('incident', inc.sysId, { short_description: 'changed', urgency: '1' });
    const updateReads = reads.mock.calls.length - beforeUpdate;
    reads.mockRestore();
    // No read back: the insert reads nothing, the update only the row before it.
    expect([insertReads, updateReads]).toEqual([0, 1]);
    expect(updated).toEqual(engine.get('incident', inc.sysId));

    // An after rule writes the record again (as current.update() would): the answer shows that write.
    engine.setHooks({
      businessRules: {
        before: () => undefined,
        after: (event) => {
          if (event.current.table === 'incident' && event.current.values.short_description === 'again') engine.update('incident', event.current.sysId, { description: 'by the after rule' });
        },
        hasAsync: () => false,
      },
    });
    const again = engine.update('incident', inc.sysId, { short_description: 'again' });
    expect(again.values.description).toBe('by the after rule');
    expect(again).toEqual(engine.get('incident', inc.sysId));
    const problem = engine.insert('problem', { short_description: 'a problem' });
    expect(problem).toEqual(engine.get('problem', problem.sysId));
  });

  it('bumps sys_mod_count on every real update and writes nothing when nothing changed', () => {
    const inc = engine.insert('incident', { short_description: 'a' });
    const first = engine.update('incident', inc.sysId, { short_description: 'b' });
    expect(first.values.sys_mod_count).toBe('1');
    const same = engine.update('incident', inc.sysId, { short_description: 'b', impact: 3 });
    expect(same.values.sys_mod_count).toBe('1');
    expect(same.values.sys_updated_on).toBe(first.values.sys_updated_on);
    const note = engine.update('incident', inc.sysId, { work_notes: 'only a note' });
    expect(note.values.sys_mod_count).toBe('2');
  });

  it('appends journal entries to sys_journal_field and displays them newest first', () => {
    const session = { userSysId: '', userName: 'someone', displayName: 'Some One', roles: new Set<string>(), isSystem: true };
    const inc = engine.insert('incident', { comments: 'first comment' }, { session });
    engine.update('incident', inc.sysId, { work_notes: 'a work note', comments: 'second comment' }, { session });
    const rows = engine.query('sys_journal_field', { query: `element_id=${inc.sysId}^ORDERBYelement` }).records.map((r) => [r.values.element, r.values.name, r.values.value, r.values.sys_created_by]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['comments', 'incident', 'first comment', 'someone'],
        ['comments', 'incident', 'second comment', 'someone'],
        ['work_notes', 'incident', 'a work note', 'someone'],
      ]),
    );
    const stored = engine.get('incident', inc.sysId);
    expect(stored?.values.comments).toBeUndefined();
    const display = engine.displayValue(stored!, 'comments');
    expect(display).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} - someone \(Additional comments\)\nsecond comment\n\n\d{4}-.* - someone \(Additional comments\)\nfirst comment\n\n$/);
    expect(engine.displayValue(stored!, 'work_notes')).toMatch(/ - someone \(Work notes\)\na work note\n\n$/);
  });

  it('closes: state 7 sets active=false, closed_at and closed_by; reopening counts', () => {
    const admin = engine.insert('sys_user', { user_name: 'closer', first_name: 'Clo', last_name: 'Ser' });
    const session = { userSysId: admin.sysId, userName: 'closer', displayName: 'Clo Ser', roles: new Set(['itil']), isSystem: false };
    const inc = engine.insert('incident', {});
    const closed = engine.update('incident', inc.sysId, { state: '7', close_code: 'Solution provided', close_notes: 'done' }, { session });
    expect(closed.values.active).toBe('false');
    expect(closed.values.closed_at).toMatch(/^\d{4}-/);
    expect(closed.values.closed_by).toBe(admin.sysId);
    const reopened = engine.update('incident', inc.sysId, { state: '2' }, { session });
    expect(reopened.values.active).toBe('true');
    expect(reopened.values.reopen_count).toBe('1');
    const resolved = engine.update('incident', inc.sysId, { state: '6', close_code: 'Solution provided', close_notes: 'done' }, { session });
    expect(resolved.values.resolved_by).toBe(admin.sysId);
    expect(resolved.values.active).toBe('true');
  });

  it('refuses to resolve or close an incident without resolution code and notes (data policy)', () => {
    const inc = engine.insert('incident', {});
    expect(() => engine.update('incident', inc.sysId, { state: '6' })).toThrow(DataPolicyError);
    expect(() => engine.update('incident', inc.sysId, { state: '7', close_code: 'Duplicate' })).toThrow(/Resolution notes/);
    expect(engine.get('incident', inc.sysId)?.values.state).toBe('1');
    engine.setProperty('glide.local.incident.close_info_mandatory', 'false', 'boolean');
    expect(engine.update('incident', inc.sysId, { state: '6' }).values.state).toBe('6');
  });

  it('normalises values to strings of their type', () => {
    const inc = engine.insert('incident', { active: 1, impact: 2, opened_at: '2024-05-06T07:08:09Z', due_date: 'not a date', short_description: 42 });
    expect(inc.values.active).toBe('true');
    expect(inc.values.impact).toBe('2');
    expect(inc.values.opened_at).toBe('2024-05-06 07:08:09');
    expect(inc.values.due_date).toBe('');
    expect(inc.values.short_description).toBe('42');
  });

  it('resolves references and choices from display values when asked', () => {
    const user = engine.insert('sys_user', { user_name: 'dv.user', first_name: 'Display', last_name: 'Value' });
    const inc = engine.insert('incident', { caller_id: 'Display Value', state: 'In Progress', impact: '1 - High' }, { inputDisplayValue: true });
    expect(inc.values.caller_id).toBe(user.sysId);
    expect(inc.values.state).toBe('2');
    expect(inc.values.impact).toBe('1');
    expect(engine.displayValue(inc, 'caller_id')).toBe('Display Value');
    expect(engine.displayValue(inc, 'state')).toBe('In Progress');
  });

  it('encrypts password2 values; the engine decrypts them for the runtime', () => {
    const client = engine.insert('oauth_entity', { name: 'c', client_id: 'c1', client_secret: 'very-secret' });
    expect(client.values.client_secret).not.toContain('very-secret');
    expect(engine.decrypt(client.values.client_secret)).toBe('very-secret');
    engine.setProperty('x_test.secret', 'hunter2', 'password2');
    const row = engine.query('sys_properties', { query: 'name=x_test.secret' }).records[0];
    expect(row.values.value).not.toContain('hunter2');
    expect(engine.getProperty('x_test.secret')).toBe('hunter2');
  });

  it('decrypts a stored password2 text once; another text (a new value) is decrypted on its own', () => {
    const first = engine.encrypt('first-secret');
    const second = engine.encrypt('second-secret');
    const spy = jest.spyOn(crypto, 'decryptValue');
    try {
      expect([engine.decrypt(first), engine.decrypt(first), engine.decrypt(second), engine.decrypt(first)]).toEqual(['first-secret', 'first-secret', 'second-secret', 'first-secret']);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('serves properties from the node’s property cache: a read is no data operation, a sys_properties write makes the next read reload (one)', () => {
    engine.setProperty('x_test.mode', 'first');
    const ops = (): number => engine.stats.dataOps;
    const start = ops();
    expect(engine.getProperty('x_test.mode')).toBe('first');
    expect(ops() - start).toBe(1); // the setProperty write dropped the cache: this read reloaded it
    const cached = ops();
    for (let i = 0; i < 5; i++) expect(engine.getProperty('x_test.mode')).toBe('first');
    expect(engine.getStoredProperty('x_test.mode')).toEqual({ value: 'first', type: 'string' });
    expect(engine.getProperty('x_test.missing', 'fallback')).toBe('fallback');
    expect(ops()).toBe(cached);
    // A plain record update of sys_properties (what the Table API does) flushes the cache too.
    const row = engine.query('sys_properties', { query: 'name=x_test.mode' }).records[0];
    engine.update('sys_properties', row.sysId, { value: 'second' });
    const afterWrite = ops();
    expect(engine.getProperty('x_test.mode')).toBe('second');
    expect(ops() - afterWrite).toBe(1);
    expect(engine.getProperty('x_test.mode')).toBe('second');
    expect(ops() - afterWrite).toBe(1);
  });

  it('hashes user passwords one way', () => {
    const user = engine.insert('sys_user', { user_name: 'pw.user', user_password: 'open-sesame' });
    expect(user.values.user_password).toMatch(/^scrypt\$/);
    expect(user.values.user_password).not.toContain('open-sesame');
  });

  it('refuses a second record with the same sys_id like the platform refuses a duplicate key', () => {
    const first = engine.insert('incident', { sys_id: 'a'.repeat(32), short_description: 'one' });
    expect(first.sysId).toBe('a'.repeat(32));
    expect(() => engine.insert('task', { sys_id: 'a'.repeat(32), short_description: 'two' })).toThrow(OperationAbortedError);
    expect(() => engine.insert('incident', { sys_id: 'a'.repeat(32) })).toThrow(expect.objectContaining({ detail: `Error during insert of incident (${'a'.repeat(32)})` }));
  });

  it('refuses an insert whose generated sys_id exists (by the key, without a look first), and keeps the row', () => {
    const first = engine.insert('incident', { short_description: 'one' });
    const exists = jest.spyOn(RowStore.prototype, 'exists');
    const generated = jest.spyOn(values, 'newSysId').mockReturnValueOnce(first.sysId);
    try {
      expect(() => engine.insert('incident', { short_description: 'two' })).toThrow(expect.objectContaining({ message: 'Operation Failed', detail: expect.stringMatching(/^Error during insert of incident \(INC\d+\)$/) as string }));
      expect(exists).not.toHaveBeenCalled();
    } finally {
      generated.mockRestore();
      exists.mockRestore();
    }
    expect(engine.get('incident', first.sysId)?.values.short_description).toBe('one');
    expect(engine.inTransaction()).toBe(false);
  });

  it('answers a unique index refusing an insert or an update with the platform\'s error, and keeps the rows as they were', () => {
    engine.schema.defineTable({ name: 'u_keyed', label: 'Keyed', columns: [{ name: 'u_key', label: 'Key', type: 'string', display: true }] });
    expect(engine.schema.createIndex('u_keyed', 'u_keyed_key', ['u_key'], true)).toEqual({ unique: true });
    const one = engine.insert('u_keyed', { u_key: 'one' });
    const two = engine.insert('u_keyed', { u_key: 'two' });
    expect(() => engine.insert('u_keyed', { u_key: 'one' })).toThrow(expect.objectContaining({ message: 'Operation Failed', detail: 'Error during insert of u_keyed (one)' }));
    expect(() => engine.update('u_keyed', two.sysId, { u_key: 'one' })).toThrow(expect.objectContaining({ detail: 'Error during update of u_keyed (one)' }));
    expect(engine.get('u_keyed', two.sysId)?.values.u_key).toBe('two');
    expect(engine.count('u_keyed')).toBe(2);
    expect(engine.get('u_keyed', one.sysId)?.values.sys_mod_count).toBe('0');
    // Each refusal is logged, as the platform logs the database's unique key violation.
    const logged = engine.query('syslog', { query: 'messageSTARTSWITHUnique Key violation detected by database' }).records;
    expect(logged.map((r) => [r.values.level, r.values.message.endsWith('of u_keyed')])).toEqual([
      ['2', true],
      ['2', true],
    ]);
  });

  it('creates a unique index that existing rows break as a plain one, and refuses names and columns that are not identifiers of the table', () => {
    engine.schema.defineTable({ name: 'u_dup', label: 'Dup', columns: [{ name: 'u_key', label: 'Key', type: 'string' }] });
    engine.insert('u_dup', { u_key: 'same' });
    engine.insert('u_dup', { u_key: 'same' });
    expect(engine.schema.createIndex('u_dup', 'u_dup_key', ['u_key'], true)).toEqual({ unique: false });
    expect(() => engine.schema.createIndex('u_dup', 'u_dup_other', ['u_nope'], false)).toThrow(/not columns of the table/);
    expect(() => engine.schema.createIndex('u_dup', 'x"; DROP TABLE task; --', ['u_key'], false)).toThrow(/unsafe SQL identifier/);
  });

  it('throws typed errors for unknown tables and records', () => {
    expect(() => engine.query('no_such_table')).toThrow(UnknownTableError);
    expect(() => engine.update('incident', 'f'.repeat(32), {})).toThrow(RecordNotFoundError);
    expect(() => engine.delete('incident', 'f'.repeat(32))).toThrow(RecordNotFoundError);
  });

  it('reads a query in pages with one statement per limit (the offset bound), and answers every limit with its rows', () => {
    for (let i = 0; i < 7; i++) engine.insert('incident', { short_description: `page ${i}` });
    const page = (limit: number | undefined, offset = 0) =>
      engine.query('incident', { query: 'short_descriptionSTARTSWITHpage^ORDERBYshort_description', limit, offset }).records.map((r) => r.values.short_description);
    page(3, 0);
    const prepares = jest.spyOn(Database.prototype, 'prepare');
    try {
      expect(page(3, 3)).toEqual(['page 3', 'page 4', 'page 5']);
      expect(page(3, 6)).toEqual(['page 6']);
      // Same query, same limit: the statement of the first page.
      expect(prepares).not.toHaveBeenCalled();
      // Another limit is another statement, never the first one's.
      expect(page(2, 1)).toEqual(['page 1', 'page 2']);
      expect(page(0)).toEqual([]);
      expect(page(-1, 5)).toEqual(['page 5', 'page 6']);
      expect(page(undefined, 5)).toEqual(['page 5', 'page 6']);
      expect(page(3, 0)).toEqual(['page 0', 'page 1', 'page 2']);
    } finally {
      prepares.mockRestore();
    }
  });

  it('runs a function as another user', async () => {
    engine.insert('sys_user', { user_name: 'runner', first_name: 'Run', last_name: 'Ner' });
    const inc = engine.runAs('runner', () => engine.insert('incident', {}));
    expect(inc.values.sys_created_by).toBe('runner');
    const name = await engine.runAs('runner', async () => {
      await new Promise((r) => setTimeout(r, 1));
      return engine.currentSession().userName;
    });
    expect(name).toBe('runner');
    expect(engine.currentSession().isSystem).toBe(true);
  });

  it('adds tables and columns at runtime (ALTER TABLE), also under an existing hierarchy', () => {
    engine.schema.defineTable({
      name: 'x_incident_io_outbound_event',
      label: 'Outbound event',
      columns: [
        { name: 'payload', type: 'string', maxLength: 65000 },
        { name: 'attempts', type: 'integer', defaultValue: '0' },
        { name: 'state', type: 'choice', choices: [{ value: 'pending', label: 'Pending' }] },
      ],
    });
    const row = engine.insert('x_incident_io_outbound_event', { payload: '{}', state: 'pending' });
    expect(row.values.attempts).toBe('0');
    engine.schema.defineColumn('incident', { name: 'x_incident_io_id', type: 'string', label: 'incident.io ID' });
    const inc = engine.insert('incident', { x_incident_io_id: '01H' });
    expect(engine.get('task', inc.sysId)?.values.x_incident_io_id).toBe('01H');
    // The physical table, read through a connection of its own on the same file.
    const file = new Database(engine.dbFile, { readonly: true });
    try {
      const columns = (file.prepare(`SELECT name FROM pragma_table_info('task')`).all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toContain('x_incident_io_id');
    } finally {
      file.close();
    }
  });
});

describe('record engine: business-rule hooks', () => {
  let engine: InstanceEngine;
  beforeEach(() => {
    engine = openEngine();
  });
  afterEach(() => engine.close());

  it('calls before with current/previous and the class hierarchy, lets it change values, then after', () => {
    const seen: string[] = [];
    engine.setHooks({
      businessRules: {
        before(event: BeforeRuleEvent) {
          seen.push(`before ${event.operation} ${event.tables.join('>')} prev=${event.previous?.values.short_description ?? 'null'}`);
          if (event.tables.includes('task') && event.operation !== 'delete') event.current.values.short_description = `[rule] ${event.current.values.short_description}`;
        },
        after(event: AfterRuleEvent) {
          seen.push(`after ${event.operation} changed=${event.changedFields.includes('short_description')}`);
        },
        hasAsync: () => false,
      },
    });
    const inc = engine.insert('incident', { short_description: 'a' });
    expect(inc.values.short_description).toBe('[rule] a');
    engine.update('incident', inc.sysId, { short_description: 'b' });
    engine.delete('incident', inc.sysId);
    expect(seen).toEqual([
      'before insert incident>task prev=null',
      'after insert changed=true',
      'before update incident>task prev=[rule] a',
      'after update changed=true',
      'before delete incident>task prev=[rule] b',
      'after delete changed=false',
    ]);
  });

  it('aborts the operation when before says so, with the platform’s detail', () => {
    engine.setHooks({
      businessRules: { before: () => ({ abort: true, ruleName: 'Block everything', ruleSysId: 'abc' }), after: () => undefined, hasAsync: () => false },
    });
    let error: unknown;
    try {
      engine.insert('incident', { short_description: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OperationAbortedError);
    expect((error as OperationAbortedError).message).toBe('Operation Failed');
    expect((error as OperationAbortedError).detail).toBe("Operation against file 'incident' was aborted by Business Rule 'Block everything^abc'. Business Rule Stack:Block everything");
    expect(engine.count('incident')).toBe(0);
  });

  it('evaluates filter conditions against current and previous (VALCHANGES, CHANGESFROM, CHANGESTO)', () => {
    const inc = engine.insert('incident', { state: '1', short_description: 'cond' });
    const updated = engine.update('incident', inc.sysId, { state: '2' });
    const prev = inc.values as Record<string, string>;
    const cur = updated.values as Record<string, string>;
    expect(engine.matches('incident', cur, 'stateVALCHANGES', prev)).toBe(true);
    expect(engine.matches('incident', cur, 'short_descriptionVALCHANGES', prev)).toBe(false);
    expect(engine.matches('incident', cur, 'stateCHANGESFROM1^stateCHANGESTO2', prev)).toBe(true);
    expect(engine.matches('incident', cur, 'stateCHANGESTO7', prev)).toBe(false);
    expect(engine.matches('incident', cur, 'stateVALCHANGES')).toBe(true);
    expect(engine.matches('incident', cur, 'priority=5^ORstate=2^active=true', prev)).toBe(true);
    expect(engine.matches('incident', cur, 'opened_by.user_name=system')).toBe(false);
  });

  it('skips business rules when asked (setWorkflow(false))', () => {
    const before = jest.fn();
    engine.setHooks({ businessRules: { before, after: () => undefined, hasAsync: () => false } });
    engine.insert('incident', {}, { runBusinessRules: false });
    expect(before).not.toHaveBeenCalled();
  });

  it('queues an async-rule job in the same transaction as the write', async () => {
    engine.setHooks({ businessRules: { before: () => undefined, after: () => undefined, hasAsync: (e) => e.tables.includes('incident') } });
    const queued = new Promise((resolve) => engine.jobs.onQueued(resolve));
    const inc = engine.insert('incident', { short_description: 'async me' });
    await expect(queued).resolves.toMatchObject({ jobType: ASYNC_BUSINESS_RULE_JOB });
    const job = engine.jobs.claim('worker-1');
    expect(job?.jobType).toBe(ASYNC_BUSINESS_RULE_JOB);
    const payload = job?.payload as AsyncRuleJobPayload;
    expect(payload).toMatchObject({ operation: 'insert', sysId: inc.sysId, userName: 'system', tables: ['incident', 'task'] });
    // The job reads the record when it runs (as the platform's async rules do): no copy of the row.
    expect(payload.current).toBeUndefined();
    engine.jobs.complete(job!.sysId);
    // A delete's job gets the record as it was: it no longer exists when the job runs.
    engine.delete('incident', inc.sysId);
    const deleted = engine.jobs.claim('worker-1')?.payload as AsyncRuleJobPayload;
    expect(deleted).toMatchObject({ operation: 'delete', sysId: inc.sysId });
    expect(deleted.current?.short_description).toBe('async me');
    engine.setHooks({
      businessRules: {
        before: () => ({ abort: true }),
        after: () => undefined,
        hasAsync: () => true,
      },
    });
    expect(() => engine.insert('incident', {})).toThrow(OperationAbortedError);
    expect(engine.jobs.claim('worker-1')).toBeNull();
  });

  it('runs after rules inside the write’s transaction: the change and what they write commit once, together', () => {
    const inside: boolean[] = [];
    engine.setHooks({
      businessRules: {
        before: () => undefined,
        after: (event) => {
          inside.push(engine.inTransaction());
          if (event.current.table === 'incident') engine.insert('problem', { short_description: `from ${event.current.values.number}` });
        },
        hasAsync: (e) => e.tables.includes('problem'),
      },
    });
    const inc = engine.insert('incident', { short_description: 'one commit' });
    const commits = engine.stats.writeTransactions;
    engine.update('incident', inc.sysId, { short_description: 'still one commit' });
    // The update, the problem its after rule inserts and the problem's async job: one write transaction.
    expect(engine.stats.writeTransactions - commits).toBe(1);
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.every(Boolean)).toBe(true);
    expect(engine.count('problem', `short_description=from ${inc.values.number}`)).toBe(2);
    expect(engine.jobs.pendingOfType(ASYNC_BUSINESS_RULE_JOB)).toHaveLength(2);
    expect(engine.inTransaction()).toBe(false);
  });

  it('keeps the write and what an after rule wrote before it failed; a nested write it left half done is rolled back', () => {
    engine.setHooks({
      businessRules: {
        before: () => undefined,
        after: (event) => {
          if (event.current.table !== 'incident') return;
          engine.insert('problem', { short_description: 'written before the failure' });
          engine.transaction(() => {
            engine.insert('problem', { short_description: 'half done' });
            throw new Error('failed half way');
          });
        },
        hasAsync: () => false,
      },
    });
    const inc = engine.insert('incident', { short_description: 'stays' });
    expect(engine.get('incident', inc.sysId)?.values.short_description).toBe('stays');
    expect(engine.count('problem', 'short_description=written before the failure')).toBe(1);
    expect(engine.count('problem', 'short_description=half done')).toBe(0);
    expect(engine.count('syslog', 'messageLIKEfailed half way')).toBe(1);
    expect(engine.inTransaction()).toBe(false);
  });

  it('keeps the write when an after rule fails, and logs the failure to syslog', () => {
    engine.setHooks({
      businessRules: {
        before: () => undefined,
        after: () => {
          throw new Error('boom');
        },
        hasAsync: () => false,
      },
    });
    const inc = engine.insert('incident', {});
    expect(engine.get('incident', inc.sysId)).not.toBeNull();
    const logs = engine.query('syslog', { query: 'messageLIKEboom' }).records;
    expect(logs).toHaveLength(1);
    expect(logs[0].values.level).toBe('2');
  });
});

describe('job queue', () => {
  let engine: InstanceEngine;
  let now = 1_700_000_000_000;
  beforeEach(() => {
    now = 1_700_000_000_000;
    engine = InstanceEngine.open({ dbPath: ':memory:', clock: () => now });
  });
  afterEach(() => engine.close());

  it('claims due jobs in run order, once each; retries and failures', () => {
    const later = engine.jobs.enqueue({ jobType: 't', payload: { n: 2 }, runAtMs: now + 5000 });
    const first = engine.jobs.enqueue({ jobType: 't', payload: { n: 1 } });
    expect(engine.jobs.claim('w')?.sysId).toBe(first);
    expect(engine.jobs.claim('w')).toBeNull();
    expect(engine.jobs.nextRunAt()).toBe(now + 5000);
    now += 5000;
    const job = engine.jobs.claim('w');
    expect(job).toMatchObject({ sysId: later, attempts: 1, claimedBy: 'w', payload: { n: 2 }, state: 'running' });
    engine.jobs.fail(later, 'receiver down', now + 1000);
    expect(engine.jobs.claim('w')).toBeNull();
    now += 1000;
    expect(engine.jobs.claim('w')?.attempts).toBe(2);
    engine.jobs.fail(later, 'gave up');
    expect(engine.jobs.get(later)).toMatchObject({ state: 'error', lastError: 'gave up' });
    engine.jobs.complete(first);
    expect(engine.jobs.get(first)?.state).toBe('done');
  });

  it('filters by job type and releases jobs of dead workers', () => {
    engine.jobs.enqueue({ jobType: 'a', payload: null });
    const b = engine.jobs.enqueue({ jobType: 'b', payload: null });
    expect(engine.jobs.claim('w', ['b'])?.sysId).toBe(b);
    now += 60_000;
    expect(engine.jobs.releaseStale(now - 30_000)).toBe(1);
    expect(engine.jobs.claim('w2', ['b'])?.claimedBy).toBe('w2');
  });

  it('tells when the next job of some types is due, and puts back the jobs of a worker that exited', () => {
    engine.jobs.enqueue({ jobType: 'a', payload: null, runAtMs: now + 1000 });
    engine.jobs.enqueue({ jobType: 'b', payload: null, runAtMs: now + 5000 });
    expect(engine.jobs.nextRunAtOf(['b'])).toBe(now + 5000);
    expect(engine.jobs.nextRunAtOf(['a', 'b'])).toBe(now + 1000);
    expect(engine.jobs.nextRunAtOf(['c'])).toBeNull();
    now += 5000;
    const claimed = engine.jobs.claim('w1', ['b']);
    expect(engine.jobs.releaseClaimedBy('w2')).toBe(0);
    expect(engine.jobs.releaseClaimedBy('w1')).toBe(1);
    expect(engine.jobs.get(claimed!.sysId)).toMatchObject({ state: 'ready' });
    expect(engine.jobs.everQueuedFor('b', 'nothing')).toBe(false);
  });

  it('writes syslog rows', () => {
    engine.log('warning', 'careful', 'test-source');
    const row = engine.query('syslog', { query: 'source=test-source' }).records[0];
    expect(row.values).toMatchObject({ level: '1', message: 'careful', source: 'test-source' });
  });
});

describe('engines in several threads on one database', () => {
  /** An engine on a fresh database file and a second, plain connection to it (what another thread holds). */
  async function withEngineAndOtherConnection(prefix: string, body: (engine: InstanceEngine, other: Database.Database) => void | Promise<void>): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const file = path.join(dir, 'db.sqlite');
    const engine = InstanceEngine.open({ dbPath: file });
    const other = new Database(file);
    try {
      await body(engine, other);
    } finally {
      other.close();
      engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** What another thread's write of sys_properties commits: the row and a metadata version bump. */
  function setPropertyElsewhere(other: Database.Database, name: string, value: string): void {
    other.prepare(`UPDATE sys_properties SET value = ? WHERE name = ?`).run(value, name);
    other.prepare(`UPDATE _instance_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'metadata_version'`).run();
  }

  it('see a metadata change another connection committed from their next synchronous run on', () =>
    withEngineAndOtherConnection('engine-check-', async (engine, other) => {
      engine.setProperty('x.mode', 'before');
      await new Promise((resolve) => setImmediate(resolve));
      expect(engine.getProperty('x.mode')).toBe('before');
      setPropertyElsewhere(other, 'x.mode', 'after');
      // The same synchronous run may keep its check (the change then counts as committed just after it); the next one sees it.
      await new Promise((resolve) => setImmediate(resolve));
      expect(engine.getProperty('x.mode')).toBe('after');
    }));

  it('read the metadata version once per run, promise jobs included, and again in the next task', () =>
    withEngineAndOtherConnection('engine-run-', async (engine, other) => {
      engine.setProperty('x.mode', 'before');
      await new Promise((resolve) => setImmediate(resolve));
      // The run's check is also bounded in time (CHECK_REUSE_MS, 20 ms), which a loaded machine can
      // pass between two awaits: the clock stands still for this run, so only the run rule is tested.
      const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now());
      const reads = engine.stats.metadataVersionReads;
      try {
        expect(engine.getProperty('x.mode')).toBe('before');
        setPropertyElsewhere(other, 'x.mode', 'after');
        // Awaits of settled promises (a request handler's steps) continue the same run: no new read.
        for (let i = 0; i < 5; i++) {
          await Promise.resolve();
          expect(engine.getProperty('x.mode')).toBe('before');
        }
        expect(engine.stats.metadataVersionReads).toBe(reads + 1);
      } finally {
        clock.mockRestore();
      }
      // The next task of the event loop reads it again and sees the change.
      await new Promise((resolve) => setImmediate(resolve));
      expect(engine.getProperty('x.mode')).toBe('after');
      expect(engine.stats.metadataVersionReads).toBe(reads + 2);
    }));

  it('read a record whose table another connection added a column to before this one dropped its statements', () =>
    withEngineAndOtherConnection('engine-column-', (engine, other) => {
      const id = engine.insert('incident', { short_description: 'x' }).sysId;
      expect(engine.get('incident', id)?.values.short_description).toBe('x');
      // What another thread's schema change commits (the DDL; its version bump is seen in the next run).
      other.exec(`ALTER TABLE task ADD COLUMN u_later TEXT`);
      other.prepare(`UPDATE task SET u_later = 'late', short_description = 'y' WHERE sys_id = ?`).run(id);
      const values = engine.get('incident', id)?.values;
      expect(values?.short_description).toBe('y');
      expect(values?.u_later).toBe('late');
      expect(engine.query('incident', { query: `sys_id=${id}` }).records[0]?.values.u_later).toBe('late');
    }));

  it('see each other’s metadata changes and claim each job exactly once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-threads-'));
    const file = path.join(dir, 'db.sqlite');
    const main = InstanceEngine.open({ dbPath: file });
    const second = InstanceEngine.open({ dbPath: file, bootstrap: false });
    try {
      expect(second.hasTable('u_later')).toBe(false);
      main.schema.defineTable({ name: 'u_later', label: 'Later', columns: [{ name: 'n', type: 'integer' }] });
      expect(second.hasTable('u_later')).toBe(true);
      expect(second.insert('u_later', { n: 5 }).values.n).toBe('5');
      main.setProperty('x.flag', 'one');
      expect(second.getProperty('x.flag')).toBe('one');
      main.setProperty('x.flag', 'two');
      expect(second.getProperty('x.flag')).toBe('two');

      const jobCount = 200;
      main.transaction(() => {
        for (let i = 0; i < jobCount; i++) main.jobs.enqueue({ jobType: 'count', payload: { i } });
      });
      const workerSource = `
        require('tsx/cjs/api').register();
        const { parentPort, workerData } = require('node:worker_threads');
        const { InstanceEngine } = require(workerData.engine);
        const engine = InstanceEngine.open({ dbPath: workerData.file, bootstrap: false });
        const claimed = [];
        for (;;) { const job = engine.jobs.claim(workerData.name); if (!job) break; engine.jobs.complete(job.sysId); claimed.push(job.payload.i); }
        engine.close();
        parentPort.postMessage(claimed);`;
      const enginePath = path.resolve(__dirname, '../../../src/instance/records/engine.ts');
      const runWorker = (name: string) =>
        new Promise<number[]>((resolve, reject) => {
          const worker = new Worker(workerSource, { eval: true, workerData: { file, name, engine: enginePath } });
          worker.once('message', resolve);
          worker.once('error', reject);
        });
      const results = await Promise.all([runWorker('w1'), runWorker('w2'), runWorker('w3')]);
      const all = results.flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: jobCount }, (_, i) => i));
      expect(main.count('sys_trigger', 'state=done')).toBe(jobCount);
    } finally {
      second.close();
      main.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('maps :memory: to a private temporary file, deleted on close; workers need an existing file', () => {
    const engine = openEngine();
    const file = engine.dbFile;
    expect(engine.temporary).toBe(true);
    expect(fs.existsSync(file)).toBe(true);
    engine.close();
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    expect(() => InstanceEngine.open({ dbPath: ':memory:', bootstrap: false })).toThrow(/existing database file/);
    expect(() => InstanceEngine.open({ dbPath: path.join(os.tmpdir(), 'does-not-exist-42.db'), bootstrap: false })).toThrow();
  });
});
