import { formatSuite } from '../../../../src/instance/atf/cli';
import { parseTemplate, resolveReferences, StepInputError } from '../../../../src/instance/atf/inputs';
import { rollBack, WriteRecorder } from '../../../../src/instance/atf/rollback';
import { InstanceEngine } from '../../../../src/instance/records/engine';

describe('step inputs', () => {
  it('reads a template value as field → value, with ^^ for a literal ^ and = kept in values', () => {
    expect(parseTemplate('short_description=Disk full^impact=2^EQ')).toEqual({ short_description: 'Disk full', impact: '2' });
    expect(parseTemplate('description=a^^b^query=x=y^EQ')).toEqual({ description: 'a^b', query: 'x=y' });
    expect(parseTemplate('')).toEqual({});
  });

  it('refuses a condition that is not field=value, naming it', () => {
    expect(() => parseTemplate('short_description')).toThrow(new StepInputError('field values: "short_description" is not field=value'));
    expect(() => parseTemplate('bad field=1')).toThrow(/"bad field" is not a field name/);
  });

  it("resolves {{step['<sys_id>'].<output>}} from earlier steps' outputs", () => {
    const id = 'a'.repeat(32);
    const outputs = new Map([[id, { record_id: 'b'.repeat(32) }]]);
    expect(resolveReferences(`incident_sys_id={{step['${id}'].record_id}}^state=queued`, outputs, new Map())).toBe(`incident_sys_id=${'b'.repeat(32)}^state=queued`);
  });

  it('fails on a reference to a step that has not run or an output it does not have, naming the step', () => {
    const id = 'c'.repeat(32);
    const names = new Map([[id, 'step 3 (Record Insert)']]);
    expect(() => resolveReferences(`{{step['${id}'].record_id}}`, new Map(), names)).toThrow(/output "record_id" of step 3 \(Record Insert\), which has not run/);
    expect(() => resolveReferences(`{{step['${id}'].user}}`, new Map([[id, { record_id: 'x' }]]), names)).toThrow(/which has none \(it has: record_id\)/);
  });
});

describe('rollback at the record layer', () => {
  let engine: InstanceEngine;
  beforeEach(() => {
    engine = InstanceEngine.open({ dbPath: ':memory:' });
  });
  afterEach(() => engine.close());

  function state(): unknown {
    const system = engine.systemSession();
    return ['incident', 'sys_journal_field', 'sys_properties', 'sys_user'].map((table) =>
      engine.query(table, { query: 'ORDERBYsys_id', session: system }).records.map((r) => r.values),
    );
  }

  it('undoes inserts, updates (journal entries too) and deletes, restoring system fields', () => {
    const system = engine.systemSession();
    const kept = engine.insert('incident', { short_description: 'kept', impact: '3' }, { session: system });
    const doomed = engine.insert('incident', { short_description: 'deleted by the test' }, { session: system });
    engine.update('incident', doomed.sysId, { urgency: '2' }, { session: system });
    engine.setProperty('x_test.flag', 'before');
    const before = state();

    const recorder = new WriteRecorder(engine);
    recorder.start();
    engine.insert('incident', { short_description: 'made by the test' }, { session: system });
    engine.update('incident', kept.sysId, { impact: '1', comments: 'a comment' }, { session: system });
    engine.delete('incident', doomed.sysId, { session: system });
    engine.setProperty('x_test.flag', 'during');
    engine.insert('sys_user', { user_name: 'atf.someone' }, { session: system });
    const writes = recorder.stop();

    expect(writes.map((w) => `${w.operation} ${w.table}`)).toEqual(
      expect.arrayContaining(['insert incident', 'update incident', 'insert sys_journal_field', 'delete incident', 'update sys_properties', 'insert sys_user']),
    );
    expect(state()).not.toEqual(before);
    const result = rollBack(engine, writes);
    expect(result.failures).toEqual([]);
    expect(result.undone).toBe(writes.length);
    expect(state()).toEqual(before);
  });

  it('records nothing once stopped, and keeps an observer that was there before', () => {
    const seen: string[] = [];
    engine.setHooks({ writeObserver: (w) => seen.push(w.table) });
    const recorder = new WriteRecorder(engine);
    recorder.start();
    engine.insert('incident', { short_description: 'x' }, { session: engine.systemSession() });
    expect(recorder.stop()).toHaveLength(1);
    engine.insert('incident', { short_description: 'y' }, { session: engine.systemSession() });
    expect(recorder.stop()).toHaveLength(0);
    expect(seen).toEqual(['incident', 'incident']);
  });
});

describe('the incident-sn atf report', () => {
  it('prints each outcome, the failing step and the counts', () => {
    const text = formatSuite({
      passed: 1,
      failed: 1,
      tests: [
        { testSysId: 'a', name: 'one', status: 'success', steps: [], failure: '', rolledBack: 3, resultSysId: 'r1', durationMs: 5 },
        { testSysId: 'b', name: 'two', status: 'failure', steps: [], failure: 'step 2 (Record Query): no incident record matches x', rolledBack: 1, resultSysId: 'r2', durationMs: 5 },
      ],
    });
    expect(text).toBe(
      'PASS  one (0 steps, 3 records rolled back)\nFAIL  two (0 steps, 1 records rolled back)\n      step 2 (Record Query): no incident record matches x\n1 passed, 1 failed\n',
    );
  });
});
