import vm from 'node:vm';
import { instrumentQuotaChecks, QUOTA_CHECK_NAME, threadQuota } from '../../../src/instance/runtime/script-quota';
import { startTestInstance } from '../../helpers/instance';
import { openRuntimeEngine, type RuntimeEngine } from '../../helpers/runtime-engine';

/**
 * The script quota (script-quota.ts): checks compiled into every script and module stop a runaway
 * run with the timeout error, with no watchdog thread and no signal. The write-level behaviour (the
 * rest of the write's rules stopped, rolled back) is also in business-rules.test.ts; the real binary
 * with a runaway rule and Ctrl+C in test/integration/instance/cli.test.ts.
 */

/** Runs instrumented `source` (a function expression) in a fresh context; counts the checks it makes. */
function runCounting(source: string, ...args: unknown[]): { value: unknown; checks: number } {
  let checks = 0;
  const context = vm.createContext({ [QUOTA_CHECK_NAME]: () => void checks++ });
  const fn = new vm.Script(instrumentQuotaChecks(source)).runInContext(context) as (...a: unknown[]) => unknown;
  const value = fn(...args);
  return { value, checks };
}

describe('instrumentQuotaChecks', () => {
  it('checks once per function call and once per loop iteration, whatever the loop’s form', () => {
    const cases: Array<[string, unknown, number]> = [
      // [function expression, result, checks: 1 for the call + 1 per iteration or inner call]
      ['(function () { var n = 0; for (var i = 0; i < 3; i++) n++; return n; })', 3, 4],
      ['(function () { var n = 0; while (n < 4) { n++; } return n; })', 4, 5],
      ['(function () { var n = 0; do n++; while (n < 2); return n; })', 2, 3],
      ['(function () { var s = ""; for (var k in { a: 1, b: 2 }) s += k; return s; })', 'ab', 3],
      ['(function () { var s = 0; for (const v of [1, 2, 3]) s += v; return s; })', 6, 4],
      ['(function () { var n = 0; outer: for (;;) { for (;;) { n++; if (n > 2) break outer; continue outer; } } return n; })', 3, 7],
      ['(function () { var f = (x) => x * 2; return f(1) + f(2); })', 6, 3],
      ['(function () { var f = () => ({ a: 1 }); return f().a; })', 1, 2],
      ['(function () { var f = (a, b) => (a, b); return f(1, 2); })', 2, 2],
      ['(function () { var f = (x) => (y) => x + y; return f(1)(2); })', 3, 3],
      ['(function () { var o = { get v() { return 5; }, m() { return this.v; } }; return o.m(); })', 5, 3],
      ['(function () { class C { constructor() { this.x = 1; } get y() { return this.x + 1; } } return new C().y; })', 2, 3],
      ['(function () { function* g() { yield 1; yield 2; } return [...g()].length; })', 2, 2],
      ['(function () { var n = 0; while (n < 2) n++, (n = n); return n; })', 2, 3],
    ];
    for (const [source, value, checks] of cases) {
      expect({ source, ...runCounting(source) }).toEqual({ source, value, checks });
    }
  });

  it('keeps a directive prologue first (strict stays strict) and line numbers where they were', () => {
    expect(runCounting('(function () { "use strict"; return this === undefined; })').value).toBe(true);
    const source = '(function () {\n  var a = 1;\n  for (;;) {\n    throw new Error("line 4");\n  }\n})';
    let line = 0;
    try {
      runCounting(source);
    } catch (err) {
      line = Number(/evalmachine\.<anonymous>:(\d+)/.exec(String((err as Error).stack))?.[1]);
    }
    expect(line).toBe(4);
  });

  it('leaves a body without semicolons (ASI) valid, and a source that does not parse as it is', () => {
    // The loop's body and the arrow's body end at the same place: the arrow closes first.
    const asi = '(function () {\n  var f\n  var n = 0\n  while (n < 1) n = n + 1, f = () => n * 10\n  return f()\n})';
    expect(runCounting(asi)).toEqual({ value: 10, checks: 3 });
    expect(instrumentQuotaChecks('function (')).toBe('function (');
  });
});

describe('the script quota', () => {
  let quick: RuntimeEngine;

  beforeAll(async () => {
    quick = await openRuntimeEngine({ scriptTimeoutMs: 200 });
  });

  afterAll(() => quick.close());

  const stopped = (script: string) => {
    const outcome = quick.runtime.run({ kind: 'script', name: 'runaway', script });
    expect(threadQuota.active).toBe(false);
    return outcome;
  };

  it('stops a runaway loop with the timeout error, and the next script runs as before', () => {
    const outcome = stopped('while (true) {}');
    expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('timed out after 200ms') });
    expect(!outcome.ok && (outcome.error as { code?: string }).code).toBe('ERR_SCRIPT_EXECUTION_TIMEOUT');
    expect(quick.run('return gs.getUserName();', { as: 'itil.user' })).toBe('itil.user');
  });

  it('cannot be caught away: a script that swallows the error meets it again, or its run ends with it anyway', () => {
    expect(stopped('while (true) { try { while (true) {} } catch (e) {} }')).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
    expect(stopped('function f() { try { f(); } catch (e) { f(); } } for (;;) { try { f(); } catch (e) {} }')).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
    // The last check threw into a catch that returns normally: the run still ends with the timeout.
    expect(stopped('try { for (;;) {} } catch (e) { return "swallowed: " + e.message; }')).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
  });

  it('reaches into script includes, and ends a gs.sleep longer than the quota', () => {
    quick.engine.insert('sys_script_include', { name: 'Spinner', active: 'true', script: `var Spinner = Class.create(); Spinner.prototype = { initialize: function () {}, spin: function () { for (;;) {} } };` });
    expect(stopped('new Spinner().spin();')).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
    expect(stopped('gs.sleep(60000); return "slept";')).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
    expect(quick.run('gs.sleep(1); return "short sleeps are fine";')).toBe('short sleeps are fine');
  });

  it('many short runs near the quota each either finish or time out cleanly, and leave nothing behind', () => {
    let finished = 0;
    let timedOut = 0;
    for (let i = 0; i < 20; i++) {
      // Busy for 150 to 250 ms of a 200 ms quota, writing a record in a transaction on the way.
      const outcome = quick.runtime.run({
        kind: 'script',
        name: `near the quota ${i}`,
        script: `var until = Date.now() + ${150 + ((i * 37) % 100)}; var p = new GlideRecord('problem'); p.initialize(); p.short_description = 'near ${i}'; p.insert(); while (Date.now() < until) {} return 'done';`,
      });
      if (outcome.ok) finished++;
      else {
        expect(outcome.message).toContain('timed out');
        timedOut++;
      }
      expect(quick.engine.inTransaction()).toBe(false);
      expect(threadQuota.active).toBe(false);
    }
    expect(finished + timedOut).toBe(20);
    expect(timedOut).toBeGreaterThan(0);
    // Still answers as before.
    expect(quick.run('var n = 0; for (var i = 0; i < 100000; i++) n += i; return n;')).toBe(4999950000);
  });
});

describe('the script quota on a scheduler worker', () => {
  it('stops a runaway job with the timeout error, and the worker runs the next job as before', async () => {
    const sn = await startTestInstance({ scheduler: { workers: 1, pollIntervalMs: 5000, scriptTimeoutMs: 300 } });
    try {
      sn.engine.insert('sysauto_script', { name: 'Endless job', run_type: 'on_demand', active: 'true', script: 'for (;;) { try { gs.sleep(50); } catch (e) {} }' });
      sn.engine.insert('sysauto_script', { name: 'Short job', run_type: 'on_demand', active: 'true', script: "gs.info('short job ran');" });
      const stoppedJob = await sn.scheduler!.runNow('Endless job');
      expect(stoppedJob).toMatchObject({ state: 'error', error: expect.stringContaining('timed out after 300ms') });
      expect(await sn.scheduler!.runNow('Short job')).toMatchObject({ state: 'done', error: '' });
      expect(sn.engine.count('syslog', 'messageSTARTSWITHshort job ran')).toBe(1);
    } finally {
      await sn.close();
    }
  });
});
