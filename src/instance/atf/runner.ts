import { IncidentSnError } from '../../shared/errors';
import type { InstanceEngine } from '../records/engine';
import { formatDateTime } from '../records/values';
import { queryCondition } from '../query';
import type { ScriptRuntime } from '../runtime/script-runtime';
import { StepFailure, type StepContext, type StepHandler } from './context';
import { resolveReferences, StepInputError } from './inputs';
import { REST_STEPS } from './rest-steps';
import { rollBack, WriteRecorder } from './rollback';
import { SERVER_STEPS } from './server-steps';
import { REST_ASSERTIONS, type StepKind } from './step-configs';
import { readInstalledTests, type AtfStep, type AtfTest } from './suite';
import { ATF_STATUS } from './tables';

/**
 * Runs an app's installed ATF tests on the local instance, one after the other, as the platform's
 * test runner does: each step in execution order as the test's current user; the first failing
 * step fails the test and the rest are skipped; then everything the test wrote is rolled back; and
 * the outcome is recorded in sys_atf_test_result (with one sys_atf_test_result_step per step run).
 */

const HANDLERS: Record<StepKind, StepHandler> = { ...SERVER_STEPS, ...REST_STEPS };

/** syslog.level of an error. */
const SYSLOG_ERROR = '2';

export interface AtfRunOptions {
  engine: InstanceEngine;
  runtime: ScriptRuntime;
  /** The instance's own URL, for inbound REST steps. */
  baseUrl: string;
  /** Who starts the tests (the platform runs them as the user who clicks Run). Default `admin`. */
  runAs?: string;
  /** Only the tests of this application scope (name or sys_id). */
  scope?: string;
}

export interface StepOutcome {
  stepSysId: string;
  order: number;
  name: string;
  status: (typeof ATF_STATUS)[keyof typeof ATF_STATUS];
  message: string;
}

export interface TestOutcome {
  testSysId: string;
  name: string;
  status: (typeof ATF_STATUS)[keyof typeof ATF_STATUS];
  /** The steps that ran (a failing step is the last). */
  steps: StepOutcome[];
  /** Why it failed (the failing step's message, a server error, or a rollback failure); '' when it passed. */
  failure: string;
  /** Records the rollback restored. */
  rolledBack: number;
  /** The sys_atf_test_result record. */
  resultSysId: string;
  durationMs: number;
}

export interface SuiteOutcome {
  tests: TestOutcome[];
  passed: number;
  failed: number;
}

export async function runInstalledTests(options: AtfRunOptions): Promise<SuiteOutcome> {
  const tests = readInstalledTests(options.engine, { scope: options.scope });
  const outcomes: TestOutcome[] = [];
  for (const test of tests) outcomes.push(await runTest(test, options));
  const passed = outcomes.filter((o) => o.status === ATF_STATUS.success).length;
  return { tests: outcomes, passed, failed: outcomes.length - passed };
}

export async function runTest(test: AtfTest, options: AtfRunOptions): Promise<TestOutcome> {
  const { engine } = options;
  const runner = engine.sessionForUser(options.runAs ?? 'admin');
  if (!runner) throw new IncidentSnError(`no user ${options.runAs ?? 'admin'} to run the tests as`, { code: 'atf_runner_missing' });
  const startMs = engine.now();
  const startedAt = formatDateTime(startMs);
  const stepNames = new Map(test.steps.map((s) => [s.sysId, `step ${s.order} (${s.displayName})`]));
  const steps: StepOutcome[] = [];
  let failure = '';
  const recorder = new WriteRecorder(engine);
  const ctx: Omit<StepContext, 'step'> & { step: AtfStep | null } = {
    engine,
    runtime: options.runtime,
    baseUrl: options.baseUrl,
    test,
    step: null,
    session: runner,
    outputs: new Map(),
    lastResponse: null,
  };
  // Errors already logged in this second (timestamps have whole seconds) are not this test's.
  const earlierErrors = new Set(serverErrorsSince(engine, startedAt).map((e) => e.sysId));
  recorder.start();
  let rolledBack = 0;
  try {
    for (const step of test.steps) {
      ctx.step = step;
      const outcome = await runStep(ctx as StepContext, step, stepNames);
      steps.push(outcome);
      if (outcome.status !== ATF_STATUS.success) {
        failure = `step ${step.order} (${step.displayName}): ${outcome.message}`;
        break;
      }
    }
  } finally {
    const rollback = rollBack(engine, recorder.stop());
    rolledBack = rollback.undone;
    if (rollback.failures.length > 0 && !failure) failure = `the rollback could not undo: ${rollback.failures.join('; ')}`;
  }
  if (!failure && test.failOnServerError) {
    const errors = serverErrorsSince(engine, startedAt).filter((e) => !earlierErrors.has(e.sysId));
    if (errors.length > 0) failure = `a server error was logged while the test ran (fail on server error): ${errors.slice(0, 3).map((e) => e.values.message).join(' | ')}`;
  }
  const endMs = engine.now();
  const status = failure ? ATF_STATUS.failure : ATF_STATUS.success;
  const resultSysId = recordResult(engine, test, steps, { status, failure, startedAt, endedAt: formatDateTime(endMs), durationMs: endMs - startMs, rolledBack });
  return { testSysId: test.sysId, name: test.name, status, steps, failure, rolledBack, resultSysId, durationMs: endMs - startMs };
}

function serverErrorsSince(engine: InstanceEngine, since: string) {
  const query = `level=${SYSLOG_ERROR}^${queryCondition('sys_created_on', '>=', since)}^ORDERBYsys_created_on`;
  return engine.query('syslog', { query, session: engine.systemSession() }).records;
}

async function runStep(ctx: StepContext, step: AtfStep, stepNames: ReadonlyMap<string, string>): Promise<StepOutcome> {
  const base = { stepSysId: step.sysId, order: step.order, name: step.displayName };
  if (!step.config) {
    ctx.lastResponse = null;
    return { ...base, status: ATF_STATUS.failure, message: `the step type ${step.displayName} (step config ${step.stepConfigId}) is not run by the local instance (docs/local-instance.md lists those it runs)` };
  }
  if (!REST_ASSERTIONS.has(step.config.kind) && step.config.kind !== 'sendRestRequest') ctx.lastResponse = null;
  try {
    const inputs: Record<string, string> = {};
    for (const [field, value] of Object.entries(step.inputs)) inputs[field] = resolveReferences(value, ctx.outputs, stepNames);
    const pass = await HANDLERS[step.config.kind](ctx, inputs);
    ctx.outputs.set(step.sysId, pass.outputs ?? {});
    return { ...base, status: ATF_STATUS.success, message: pass.message };
  } catch (err) {
    if (err instanceof StepFailure || err instanceof StepInputError) return { ...base, status: ATF_STATUS.failure, message: err.message };
    return { ...base, status: ATF_STATUS.failure, message: `the step failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function recordResult(
  engine: InstanceEngine,
  test: AtfTest,
  steps: StepOutcome[],
  result: { status: string; failure: string; startedAt: string; endedAt: string; durationMs: number; rolledBack: number },
): string {
  const quiet = { session: engine.systemSession(), runBusinessRules: false } as const;
  return engine.transaction(() => {
    const failing = steps.find((s) => s.status !== ATF_STATUS.success);
    const record = engine.insert(
      'sys_atf_test_result',
      {
        test: test.sysId,
        test_name: test.name,
        status: result.status,
        start_time: result.startedAt,
        end_time: result.endedAt,
        run_time_ms: String(result.durationMs),
        first_failing_step: failing?.stepSysId ?? '',
        output: result.failure || `${steps.length} steps passed`,
        rolled_back: String(result.rolledBack),
      },
      quiet,
    );
    for (const step of steps) {
      engine.insert(
        'sys_atf_test_result_step',
        { test_result: record.sysId, step: step.stepSysId, order: String(step.order), description: step.name, status: step.status, output: step.message, start_time: result.startedAt },
        quiet,
      );
    }
    return record.sysId;
  });
}
