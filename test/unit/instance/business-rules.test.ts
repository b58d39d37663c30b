import { OperationAbortedError } from '../../../src/instance/errors';
import { ASYNC_BUSINESS_RULE_JOB, type AsyncRuleJobPayload } from '../../../src/instance/records/hooks';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/** Business rules from sys_script on the engine's hooks, without HTTP. */

let rt: RuntimeEngine;

function rule(values: Record<string, string>): string {
  return rt.engine.insert('sys_script', { active: 'true', advanced: 'true', order: '100', ...values }).sysId;
}

function messages(prefix: string): string[] {
  return rt.engine.query('syslog', { query: `messageSTARTSWITH${prefix}^ORDERBYsys_created_on` }).records.map((r) => r.values.message);
}

function asyncJobs(): AsyncRuleJobPayload[] {
  return rt.engine.query('sys_trigger', { query: `job_type=${ASYNC_BUSINESS_RULE_JOB}^state=ready` }).records.map((r) => JSON.parse(r.values.payload) as AsyncRuleJobPayload);
}

beforeEach(async () => {
  rt = await openRuntimeEngine();
});
afterEach(() => rt.close());

describe('business rules', () => {
  it('choose async rules when the change happens (VALCHANGES needs previous) and run them later without previous', () => {
    const chosen = rule({ name: 'Async on state change', collection: 'incident', when: 'async_always', action_update: 'true', filter_condition: 'stateVALCHANGES', script: `gs.info('async ran: state ' + current.state + ', previous ' + previous + ', op ' + current.operation() + ', by ' + gs.getUserName());` });
    rule({ name: 'Async on impact change', collection: 'incident', when: 'async', action_update: 'true', filter_condition: 'impactVALCHANGES', script: `gs.info('async ran: impact');` });
    const incident = rt.engine.insert('incident', { short_description: 'x', state: '1', impact: '3' });
    rt.engine.runAs('itil.user', () => rt.engine.update('incident', incident.sysId, { state: '2' }));
    const jobs = asyncJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ operation: 'update', sysId: incident.sysId, userName: 'itil.user', rules: [chosen] });
    expect(messages('async ran')).toEqual([]);

    // The record changes again before the job runs: the rule sees it as it is now.
    rt.engine.update('incident', incident.sysId, { short_description: 'later' }, { runBusinessRules: false });
    rt.rules.runAsync(jobs[0]);
    expect(messages('async ran')).toEqual(['async ran: state 2, previous null, op update, by itil.user']);
  });

  it('choose async rules by a script condition over current and previous, next to rules with a filter only', () => {
    const byCondition = rule({ name: 'Async on a raised priority', collection: 'incident', when: 'async', action_update: 'true', condition: 'current.priority < previous.priority', script: `gs.info('async ran: priority');` });
    const byFilter = rule({ name: 'Async on state 2', collection: 'incident', when: 'async', action_update: 'true', filter_condition: 'state=2', script: `gs.info('async ran: state');` });
    const incident = rt.engine.insert('incident', { short_description: 'x', state: '1', priority: '4' });
    rt.engine.update('incident', incident.sysId, { priority: '5' });
    expect(asyncJobs()).toEqual([]);
    rt.engine.update('incident', incident.sysId, { priority: '2' });
    expect(asyncJobs().map((job) => job.rules)).toEqual([[byCondition]]);
    rt.engine.update('incident', incident.sysId, { state: '2', priority: '1' });
    expect(asyncJobs().map((job) => [...(job.rules ?? [])].sort())).toEqual([[byCondition], [byCondition, byFilter].sort()]);
  });

  it('runs no async rule of an update whose record was deleted before the job ran, and a delete’s with the record as it was', () => {
    rule({ name: 'Async on update', collection: 'incident', when: 'async', action_update: 'true', script: `gs.info('async ran: update ' + current.short_description);` });
    rule({ name: 'Async on delete', collection: 'incident', when: 'async', action_delete: 'true', script: `gs.info('async ran: delete ' + current.short_description);` });
    const incident = rt.engine.insert('incident', { short_description: 'first' });
    rt.engine.update('incident', incident.sysId, { short_description: 'second' });
    const [updateJob] = asyncJobs();
    rt.engine.delete('incident', incident.sysId, { runBusinessRules: false });
    rt.rules.runAsync(updateJob!);
    expect(messages('async ran')).toEqual([]);

    const other = rt.engine.insert('incident', { short_description: 'gone' });
    rt.engine.delete('incident', other.sysId);
    const deleteJob = asyncJobs().find((job) => job.operation === 'delete');
    rt.rules.runAsync(deleteJob!);
    expect(messages('async ran')).toEqual(['async ran: delete gone']);
  });

  it('runs rules on sys_journal_field inserts for comments and work notes', () => {
    rule({ name: 'Journal watcher', collection: 'sys_journal_field', when: 'after', action_insert: 'true', filter_condition: 'name=incident^elementINcomments,work_notes', script: `gs.info('journal ' + current.element + ': ' + current.value + ' by ' + current.sys_created_by);` });
    const incident = rt.engine.insert('incident', { short_description: 'x' });
    rt.engine.runAs('itil.user', () => rt.engine.update('incident', incident.sysId, { work_notes: 'looking into it', comments: 'we are on it' }));
    expect(messages('journal ').sort()).toEqual(['journal comments: we are on it by itil.user', 'journal work_notes: looking into it by itil.user']);
  });

  it('honours action, active, role conditions and abort_action; display rules do not run', () => {
    rule({ name: 'Only on delete', collection: 'incident', when: 'before', action_delete: 'true', script: `gs.info('rule: delete');` });
    rule({ name: 'Inactive', collection: 'incident', when: 'before', action_insert: 'true', active: 'false', script: `gs.info('rule: inactive');` });
    rule({ name: 'Admins only', collection: 'incident', when: 'before', action_insert: 'true', role_conditions: 'admin', script: `gs.info('rule: admins only');` });
    rule({ name: 'Display', collection: 'incident', when: 'display', action_insert: 'true', script: `gs.info('rule: display');` });
    rule({ name: 'Abort without script', collection: 'incident', when: 'before', action_insert: 'true', abort_action: 'true', filter_condition: 'short_description=abort me', script: '' });
    rt.engine.runAs('itil.user', () => rt.engine.insert('incident', { short_description: 'x' }));
    expect(messages('rule: ')).toEqual([]);
    rt.engine.runAs('admin', () => rt.engine.insert('incident', { short_description: 'y' }));
    expect(messages('rule: ')).toEqual(['rule: admins only']);
    expect(() => rt.engine.insert('incident', { short_description: 'abort me' })).toThrow(OperationAbortedError);
    expect(rt.engine.count('incident', 'short_description=abort me')).toBe(0);
  });

  it('gives before rules changes() against previous, and lets them change values that are then saved', () => {
    rule({ name: 'Escalate', collection: 'incident', when: 'before', action_update: 'true', condition: `current.urgency.changesTo(1)`, script: `current.impact = 1; current.work_notes = 'escalated from ' + previous.urgency;` });
    const incident = rt.engine.insert('incident', { short_description: 'x', urgency: '3', impact: '3' });
    const updated = rt.engine.update('incident', incident.sysId, { urgency: '1' });
    expect([updated.values.impact, updated.values.priority]).toEqual(['1', '1']);
    expect(rt.engine.query('sys_journal_field', { query: `element_id=${incident.sysId}` }).records.map((r) => r.values.value)).toEqual(['escalated from 3']);
  });
});

describe('a business rule that runs past the script timeout', () => {
  it('stops the write’s after rules under one watchdog, rolls back what it left open, and leaves the engine as it was', async () => {
    const quick = await openRuntimeEngine({ scriptTimeoutMs: 300 });
    try {
      const add = (values: Record<string, string>) => quick.engine.insert('sys_script', { active: 'true', advanced: 'true', ...values });
      add({ name: 'A: open a problem', collection: 'incident', when: 'after', order: '100', action_insert: 'true', script: `var p = new GlideRecord('problem'); p.initialize(); p.short_description = 'from ' + current.number; p.insert();` });
      // Its condition runs inside the problem insert's transaction, and never ends.
      add({ name: 'Endless condition', collection: 'problem', when: 'async', order: '100', action_insert: 'true', condition: '(function () { while (true) {} })()', script: `gs.info('never');` });
      add({ name: 'C: after A', collection: 'incident', when: 'after', order: '200', action_insert: 'true', script: `gs.info('rule C ran');` });
      const incident = quick.engine.runAs('itil.user', () => quick.engine.insert('incident', { short_description: 'stopped rules' }));

      // The incident's write stays; the timeout stopped A (its problem insert rolled back) and the rules after it.
      expect(quick.engine.get('incident', incident.sysId)).not.toBeNull();
      expect(quick.engine.count('problem', `short_description=from ${incident.values.number}`)).toBe(0);
      const logged = quick.engine.query('syslog', { query: 'messageSTARTSWITHAfter business rules on incident failed' }).records.map((r) => r.values.message);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/timed out/);
      expect(quick.engine.count('syslog', 'messageSTARTSWITHrule C ran')).toBe(0);

      // Nothing is left behind: no open transaction, the caller's session, scripts run as before.
      expect(quick.engine.inTransaction()).toBe(false);
      expect(quick.engine.currentSession().isSystem).toBe(true);
      expect(quick.run('return gs.getUserName();', { as: 'itil.user' })).toBe('itil.user');
      quick.engine.update('sys_script', quick.engine.query('sys_script', { query: 'name=Endless condition' }).records[0].sysId, { active: 'false' });
      const next = quick.engine.insert('incident', { short_description: 'after the timeout' });
      expect(quick.engine.count('problem', `short_description=from ${next.values.number}`)).toBe(1);
      expect(quick.engine.count('syslog', 'messageSTARTSWITHrule C ran')).toBe(1);
    } finally {
      quick.close();
    }
  });
});
