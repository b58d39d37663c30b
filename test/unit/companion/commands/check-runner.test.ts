import { runChecks, withStep, type Check, type CheckOutcome, type CheckResult } from '../../../../src/companion/commands/check-runner';
import { checkLine, notRunLine, tally } from '../../../../src/companion/commands/output';

type Log = string[];

function check(id: string, outcome: CheckOutcome | (() => never), extra: Partial<Check<Log>> = {}): Check<Log> {
  return {
    id,
    title: `title of ${id}`,
    step: `step ${id}`,
    async run(log) {
      log.push(id);
      return typeof outcome === 'function' ? outcome() : outcome;
    },
    ...extra,
  };
}

describe('runChecks', () => {
  it('runs every check in order and reports each result as it completes', async () => {
    const log: Log = [];
    const seen: CheckResult[] = [];
    const run = await runChecks(
      [check('1', { ok: true, message: 'one' }), check('2', { ok: false, message: 'two' }), check('3', { ok: true, message: 'three' })],
      log,
      (r) => seen.push(r),
    );
    expect(log).toEqual(['1', '2', '3']);
    expect(run.results).toEqual([
      { id: '1', ok: true, message: 'one (setup guide step 1)', step: 'step 1' },
      { id: '2', ok: false, message: 'two (setup guide step 2)', step: 'step 2' },
      { id: '3', ok: true, message: 'three (setup guide step 3)', step: 'step 3' },
    ]);
    expect(seen).toEqual(run.results);
    expect(run.notRun).toEqual([]);
    expect(run.allPassed).toBe(false);
  });

  it('stops after a check that says later checks cannot run, listing them as not run', async () => {
    const log: Log = [];
    const run = await runChecks(
      [check('1', { ok: true, message: 'one' }), check('2', { ok: false, stop: true, message: 'no token' }), check('3', { ok: true, message: 'x' }), check('4', { ok: true, message: 'y' })],
      log,
    );
    expect(log).toEqual(['1', '2']);
    expect(run.results.map((r) => r.id)).toEqual(['1', '2']);
    expect(run.notRun).toEqual([
      { id: '3', title: 'title of 3', step: 'step 3', reason: 'not run: it needs "title of 2" to pass first' },
      { id: '4', title: 'title of 4', step: 'step 4', reason: 'not run: it needs "title of 2" to pass first' },
    ]);
    expect(run.allPassed).toBe(false);
  });

  it('runs a check that requires all before it only when they all passed', async () => {
    const changes = check('change', { ok: true, message: 'changed' }, { requiresAllPassed: true });
    const log: Log = [];
    const failing = await runChecks([check('1', { ok: false, message: 'bad' }), changes], log);
    expect(log).toEqual(['1']);
    expect(failing.notRun[0]).toMatchObject({ id: 'change', reason: expect.stringContaining('only once every other check passes') });

    const log2: Log = [];
    const passing = await runChecks([check('1', { ok: true, message: 'good' }), changes], log2);
    expect(log2).toEqual(['1', 'change']);
    expect(passing.allPassed).toBe(true);
  });

  it('does not run a check whose context it cannot use, and the run is then not all passed', async () => {
    const log: Log = [];
    const run = await runChecks([check('1', { ok: true, message: 'a' }), check('2', { ok: true, message: 'b' }, { cannotRun: () => 'no health' })], log);
    expect(log).toEqual(['1']);
    expect(run.notRun).toEqual([{ id: '2', title: 'title of 2', step: 'step 2', reason: 'not run: no health' }]);
    expect(run.allPassed).toBe(false);
  });

  it('turns a check that throws into a failure that stops the run', async () => {
    const log: Log = [];
    const run = await runChecks(
      [
        check('1', () => {
          throw new Error('boom');
        }),
        check('2', { ok: true, message: 'never' }),
      ],
      log,
    );
    expect(run.results).toEqual([{ id: '1', ok: false, message: 'the check failed unexpectedly: boom (setup guide step 1)', step: 'step 1' }]);
    expect(run.notRun.map((n) => n.id)).toEqual(['2']);
  });

  it('lets an outcome name another step, or none', async () => {
    const run = await runChecks(
      [check('1', { ok: false, message: 'a', step: 'steps 1 and 3' }), check('2', { ok: false, message: 'rate limited', step: null })],
      [],
    );
    expect(run.results.map((r) => [r.step, r.message])).toEqual([
      ['steps 1 and 3', 'a (setup guide steps 1 and 3)'],
      [null, 'rate limited'],
    ]);
  });
});

describe('check output', () => {
  it('marks passes and failures, indents continuation lines, and tallies', async () => {
    expect(withStep('x', null)).toBe('x');
    expect(checkLine({ id: 'a', ok: true, message: 'OAuth token obtained (setup guide steps 2 and 3)', step: 'steps 2 and 3' })).toBe(
      '✔ OAuth token obtained (setup guide steps 2 and 3)',
    );
    expect(checkLine({ id: 'a', ok: false, message: 'first\nsecond', step: null })).toBe('✘ first\n  second');
    expect(notRunLine({ id: 'b', title: 'the app is installed', step: 'step 1', reason: 'not run: because' })).toBe('– the app is installed: not run: because');
    const run = await runChecks([check('1', { ok: true, message: 'a' }), check('2', { ok: false, stop: true, message: 'b' }), check('3', { ok: true, message: 'c' })], []);
    expect(tally(run)).toBe('1 of 3 checks passed, 1 failed, 1 not run');
  });
});
