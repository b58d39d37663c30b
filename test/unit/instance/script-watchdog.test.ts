import { mainThreadWatchdog } from '../../../src/instance/runtime/script-watchdog';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/**
 * The main thread's long-lived watchdog (script-watchdog.ts): a runaway script is stopped by the
 * holder's SIGINT, the process and its engine go on. That a SIGINT from outside still stops the real
 * binary is in test/integration/instance/cli.test.ts.
 */
describe('the main thread’s script watchdog', () => {
  let quick: RuntimeEngine;

  beforeAll(async () => {
    quick = await openRuntimeEngine({ scriptTimeoutMs: 200 });
    // Runs before the holder holds use vm's timeout; these tests are about the holder.
    expect(await mainThreadWatchdog()!.whenHolding()).toBe(true);
  });

  afterAll(() => quick.close());

  it('stops a runaway script with a timeout error, and the next script runs as before', () => {
    const watchdog = mainThreadWatchdog()!;
    const stoppedBefore = watchdog.runsStopped;
    const outcome = quick.runtime.run({ kind: 'script', name: 'endless', script: `while (true) {}` });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.message).toBe('Script execution timed out after 200ms');
    expect(watchdog.runsStopped).toBe(stoppedBefore + 1);
    expect(watchdog.ready()).toBe(true);
    expect(quick.run(`return gs.getUserName();`, { as: 'itil.user' })).toBe('itil.user');
  });

  it('stops the write’s after rules and rolls back what they left open, under the holder', () => {
    const watchdog = mainThreadWatchdog()!;
    const stoppedBefore = watchdog.runsStopped;
    const add = (values: Record<string, string>) => quick.engine.insert('sys_script', { active: 'true', advanced: 'true', ...values });
    add({ name: 'Open a problem', collection: 'incident', when: 'after', order: '100', action_insert: 'true', script: `var p = new GlideRecord('problem'); p.initialize(); p.short_description = 'from ' + current.number; p.insert();` });
    // An async rule's condition runs inside the problem insert's transaction, and never ends.
    add({ name: 'Endless condition', collection: 'problem', when: 'async', order: '100', action_insert: 'true', condition: '(function () { for (;;) {} })()', script: `gs.info('never');` });
    const incident = quick.engine.runAs('itil.user', () => quick.engine.insert('incident', { short_description: 'stopped by the holder' }));
    expect(watchdog.runsStopped).toBe(stoppedBefore + 1);
    expect(quick.engine.get('incident', incident.sysId)).not.toBeNull();
    expect(quick.engine.count('problem', `short_description=from ${incident.values.number}`)).toBe(0);
    expect(quick.engine.inTransaction()).toBe(false);
    const logged = quick.engine.query('syslog', { query: 'messageSTARTSWITHAfter business rules on incident failed' }).records.map((r) => r.values.message);
    expect(logged).toEqual([expect.stringContaining('timed out after 200ms')]);
  });

  it('costs a run no thread: many short runs in a row all succeed under the same holder', () => {
    const watchdog = mainThreadWatchdog()!;
    const stoppedBefore = watchdog.runsStopped;
    let sum = 0;
    for (let i = 0; i < 500; i++) sum += quick.run(`return ${i};`) as number;
    expect(sum).toBe((499 * 500) / 2);
    expect(watchdog.runsStopped).toBe(stoppedBefore);
    expect(watchdog.ready()).toBe(true);
  });
});
