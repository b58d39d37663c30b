import { describeError } from '../../shared/errors';

/**
 * Runs setup checks in order. Each check says whether it passed, what it found and what to do,
 * and whether the checks after it can still run. A check may also require that every earlier
 * check passed (one that changes the instance must not run on a broken setup).
 */

/** One line of the report; `--json` prints an array of these. */
export interface CheckResult {
  id: string;
  ok: boolean;
  /** What was found and, when not ok, what to do; ends with the setup guide step when there is one. */
  message: string;
  /** The setup guide step that covers this ("step 3", "steps 2 and 3"), or null. */
  step: string | null;
}

export interface CheckOutcome {
  ok: boolean;
  message: string;
  /** Later checks cannot run (no connection, no token, rate limited…). */
  stop?: boolean;
  /** Overrides the check's own step when the fix lies elsewhere. */
  step?: string | null;
}

export interface Check<C> {
  id: string;
  /** Short name for the lines of checks that did not run. */
  title: string;
  step: string | null;
  /** Run only when every check before it passed. */
  requiresAllPassed?: boolean;
  /** Why the check cannot run in this context (it is then listed as not run), or undefined to run it. */
  cannotRun?(context: C): string | undefined;
  run(context: C): Promise<CheckOutcome>;
}

export interface NotRunCheck {
  id: string;
  title: string;
  step: string | null;
  reason: string;
}

export interface CheckRun {
  results: CheckResult[];
  notRun: NotRunCheck[];
  /** Every check ran and passed. */
  allPassed: boolean;
}

/** "step 3" → "(setup guide step 3)". */
export function withStep(message: string, step: string | null): string {
  return step ? `${message} (setup guide ${step})` : message;
}

export async function runChecks<C>(
  checks: readonly Check<C>[],
  context: C,
  onResult: (result: CheckResult) => void = () => undefined,
): Promise<CheckRun> {
  const results: CheckResult[] = [];
  const notRun: NotRunCheck[] = [];
  let stoppedBy: CheckResult | undefined;

  for (const check of checks) {
    if (stoppedBy) {
      notRun.push({ ...pick(check), reason: `not run: it needs "${titleOf(checks, stoppedBy.id)}" to pass first` });
      continue;
    }
    if (check.requiresAllPassed && results.some((r) => !r.ok)) {
      notRun.push({ ...pick(check), reason: 'not run: it changes the instance, so it runs only once every other check passes' });
      continue;
    }
    const cannot = check.cannotRun?.(context);
    if (cannot !== undefined) {
      notRun.push({ ...pick(check), reason: `not run: ${cannot}` });
      continue;
    }
    let outcome: CheckOutcome;
    try {
      outcome = await check.run(context);
    } catch (err) {
      outcome = { ok: false, stop: true, message: `the check failed unexpectedly: ${describeError(err)}` };
    }
    const step = outcome.step === undefined ? check.step : outcome.step;
    const result: CheckResult = { id: check.id, ok: outcome.ok, message: withStep(outcome.message, step), step };
    results.push(result);
    onResult(result);
    if (outcome.stop) stoppedBy = result;
  }
  return { results, notRun, allPassed: notRun.length === 0 && results.every((r) => r.ok) };
}

function pick<C>(check: Check<C>): { id: string; title: string; step: string | null } {
  return { id: check.id, title: check.title, step: check.step };
}

function titleOf<C>(checks: readonly Check<C>[], id: string): string {
  return checks.find((c) => c.id === id)?.title ?? id;
}
