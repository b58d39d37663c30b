import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readInstalledTests } from '../../../src/instance/atf/suite';
import { runInstalledTests, runTest, type AtfRunOptions } from '../../../src/instance/atf/runner';
import { STEP_CONFIGS } from '../../../src/instance/atf/step-configs';
import { queryCondition } from '../../../src/instance/query';
import { APP_API, configurePush, RETRY_JOB, startAppInstance } from '../../helpers/app-instance';
import { DIST_APP, ROOT } from '../../helpers/build';
import { USERS, type TestInstance } from '../../helpers/instance';
import { startPushReceiver, type PushReceiver } from '../../helpers/push-receiver';
import { waitFor } from '../../helpers/wait-for';

/**
 * The app's ATF tests (fluent/atf, from the real build in dist/app) on the local instance: every one
 * passes, leaves nothing behind and sends no push, even on an instance configured to push; and the
 * runner fails a test whose step no longer holds, naming the step, and still rolls it back.
 */

const SUITE = [
  'incident.io: GET /health answers a user with x_incident_io.api_user',
  'incident.io: GET /health refuses a user without x_incident_io.api_user',
  'incident.io: PUT /config refuses a plain-http webhook URL to a non-loopback host',
  'incident.io: a change to a field that is not synced queues nothing',
  'incident.io: a comment and a work note queue incident.journal events',
  'incident.io: an incident created by a user queues exactly one incident.created event',
  'incident.io: changes by the integration user queue nothing',
];

let sn: TestInstance;
let receiver: PushReceiver;
let options: AtfRunOptions;

beforeAll(async () => {
  receiver = await startPushReceiver();
  sn = await startAppInstance({ scheduler: { workers: 1 } });
  await sn.scheduler?.ready();
  // A configured, delivering instance: the tests must still send nothing.
  await configurePush(sn, receiver.url);
  options = { engine: sn.engine, runtime: sn.runtime, baseUrl: sn.url, scope: 'x_incident_io' };
});

afterAll(async () => {
  await sn?.close();
  await receiver?.close();
});

/** What a test could leave behind: row counts of the tables the suite writes, and the app's properties. */
function snapshot(): Record<string, string | number> {
  const system = sn.engine.systemSession();
  const out: Record<string, string | number> = {};
  for (const table of ['incident', 'x_incident_io_outbound_event', 'sys_journal_field', 'sys_user', 'sys_user_has_role', 'sys_auth_profile_basic']) {
    out[table] = sn.engine.count(table, '', { session: system });
  }
  for (const p of sn.engine.query('sys_properties', { query: 'nameSTARTSWITHx_incident_io.', session: system }).records) out[p.values.name!] = p.values.value ?? '';
  return out;
}

/** Runs `fn` while collecting the scheduler jobs it queues, then waits until each has run. */
async function runAndSettle<T>(fn: () => Promise<T>): Promise<T> {
  const queued: string[] = [];
  const stop = sn.engine.jobs.onQueued((job) => queued.push(job.sysId));
  try {
    return await fn();
  } finally {
    stop();
    for (const id of queued) await sn.scheduler!.waitForJob(id);
  }
}

describe('the app ATF suite on the local instance', () => {
  it('runs every test the app ships; each passes, leaves nothing behind and sends no push', async () => {
    const before = snapshot();
    const pushesBefore = receiver.pushes.length;

    const outcome = await runAndSettle(() => runInstalledTests(options));

    expect(outcome.tests.map((t) => t.name).sort()).toEqual([...SUITE].sort());
    expect(outcome.tests.map((t) => ({ name: t.name, status: t.status, failure: t.failure }))).toEqual(
      outcome.tests.map((t) => ({ name: t.name, status: 'success', failure: '' })),
    );
    expect({ passed: outcome.passed, failed: outcome.failed }).toEqual({ passed: SUITE.length, failed: 0 });
    for (const test of outcome.tests) expect(test.rolledBack).toBeGreaterThan(0);
    expect(snapshot()).toEqual(before);

    // The retry job finds nothing of the tests' to send.
    expect((await sn.scheduler!.runNow(RETRY_JOB)).state).toBe('done');
    expect(receiver.pushes.length).toBe(pushesBefore);

    // Results are recorded, one per test, with a row per step run.
    const system = sn.engine.systemSession();
    const results = outcome.tests.map((t) => sn.engine.get('sys_atf_test_result', t.resultSysId, { session: system })!.values);
    expect(results.map((r) => r.status)).toEqual(SUITE.map(() => 'success'));
    const stepRows = sn.engine.count('sys_atf_test_result_step', 'status=success', { session: system });
    expect(stepRows).toBe(outcome.tests.reduce((n, t) => n + t.steps.length, 0));
  });

  it('leaves the push pipeline as configured: an incident created after the suite is pushed', async () => {
    const res = await sn.request('POST', '/api/now/table/incident', { auth: USERS.itil, body: { short_description: 'After the ATF suite', impact: 3, urgency: 3 } });
    expect(res.status).toBe(201);
    const number = (res.json as { result: { number: string } }).result.number;
    await waitFor(() => receiver.pushes.some((p) => p.event.incident.number === number), { message: `a push of ${number}` });
    const health = await sn.request('GET', `${APP_API}/health`, { auth: USERS.svc });
    expect((health.json as { result: { config: { webhook_url: string; delivering: boolean } } }).result.config).toMatchObject({ webhook_url: receiver.url, delivering: true });
  });
});

/** A change an admin could make to the inputs of an installed test's steps of one type; returns the undo. */
function changeInput(testName: string, stepName: string, edit: (value: string) => string): () => void {
  const system = sn.engine.systemSession();
  const test = readInstalledTests(sn.engine, { scope: 'x_incident_io' }).find((t) => t.name === testName)!;
  const stepIds = test.steps.filter((s) => s.displayName === stepName).map((s) => s.sysId);
  const rows = sn.engine.query('sys_variable_value', { query: queryCondition('document_key', 'IN', stepIds.join(',')), session: system }).records;
  const undo: Array<() => void> = [];
  let changed = 0;
  for (const row of rows) {
    const value = row.values.value ?? '';
    const next = edit(value);
    if (next === value) continue;
    sn.engine.update('sys_variable_value', row.sysId, { value: next }, { session: system });
    undo.push(() => sn.engine.update('sys_variable_value', row.sysId, { value }, { session: system }));
    changed++;
  }
  if (changed === 0) throw new Error(`nothing to change in ${stepName} of ${testName}`);
  return () => undo.forEach((u) => u());
}

async function runOne(testName: string) {
  const test = readInstalledTests(sn.engine, { scope: 'x_incident_io' }).find((t) => t.name === testName);
  if (!test) throw new Error(`no test ${testName}`);
  return runAndSettle(() => runTest(test, options));
}

describe('a test whose step no longer holds', () => {
  it.each([
    {
      what: 'the integration user is another one, so the change is queued',
      test: 'incident.io: changes by the integration user queue nothing',
      step: 'Run Server Side Script',
      edit: (v: string) => v.replace("'atf.x_incident_io.integration'", "'someone.else'"),
      failingStep: 'Record Query',
      message: /matches incident_sys_id=.*, but the step asserts none does/,
    },
    {
      what: 'assertEqual expects two events',
      test: 'incident.io: an incident created by a user queues exactly one incident.created event',
      step: 'Run Server Side Script',
      edit: (v: string) => v.replace("name: 'outbox events of the new incident', shouldbe: 1", "name: 'outbox events of the new incident', shouldbe: 2"),
      failingStep: 'Run Server Side Script',
      message: /outbox events of the new incident: expected 2, got 1/,
    },
    {
      what: 'the expected status is 201',
      test: 'incident.io: GET /health answers a user with x_incident_io.api_user',
      step: 'Assert Status Code',
      edit: (v: string) => (v === '200' ? '201' : v),
      failingStep: 'Assert Status Code',
      message: /status 200 is not equals 201/,
    },
    {
      what: 'the validation expects another category',
      test: 'incident.io: a change to a field that is not synced queues nothing',
      step: 'Record Validation',
      edit: (v: string) => v.replace('category=inquiry', 'category=software'),
      failingStep: 'Record Validation',
      message: /does not match category=software/,
    },
  ])('fails when $what, names the step, records the failure and rolls back', async ({ test, step, edit, failingStep, message }) => {
    const before = snapshot();
    const restore = changeInput(test, step, edit);
    try {
      const outcome = await runOne(test);
      expect(outcome.status).toBe('failure');
      const last = outcome.steps[outcome.steps.length - 1]!;
      expect({ name: last.name, status: last.status }).toEqual({ name: failingStep, status: 'failure' });
      expect(last.message).toMatch(message);
      expect(outcome.failure).toContain(`(${failingStep})`);
      const result = sn.engine.get('sys_atf_test_result', outcome.resultSysId, { session: sn.engine.systemSession() })!.values;
      expect({ status: result.status, first_failing_step: result.first_failing_step }).toEqual({ status: 'failure', first_failing_step: last.stepSysId });
    } finally {
      restore();
    }
    expect(snapshot()).toEqual(before);
  });

  it('fails a test during which a server error was logged (fail on server error), though every step passed', async () => {
    const name = 'incident.io: changes by the integration user queue nothing';
    const restore = changeInput(name, 'Run Server Side Script', (v) => v.replace('return true;', "gs.error('ATF: an error the app logged'); return true;"));
    try {
      const outcome = await runOne(name);
      expect(outcome.steps.map((s) => s.status)).toEqual(outcome.steps.map(() => 'success'));
      expect(outcome.status).toBe('failure');
      expect(outcome.failure).toMatch(/a server error was logged while the test ran \(fail on server error\): ATF: an error the app logged/);
    } finally {
      restore();
    }
    // The error is not the next test's.
    expect((await runOne(name)).status).toBe('success');
  });

  it('fails at a step type the local instance does not run, naming it', async () => {
    const system = sn.engine.systemSession();
    const test = readInstalledTests(sn.engine, { scope: 'x_incident_io' }).find((t) => t.name === SUITE[0])!;
    const step = test.steps[1]!;
    const openForm = '05317cd10b10220050192f15d6673af8';
    expect(STEP_CONFIGS[openForm]).toBeUndefined();
    sn.engine.update('sys_atf_step', step.sysId, { step_config: openForm, display_name: 'Open a New Form' }, { session: system });
    try {
      const outcome = await runOne(SUITE[0]!);
      expect(outcome.status).toBe('failure');
      expect(outcome.failure).toMatch(/step type Open a New Form \(step config 05317cd10b10220050192f15d6673af8\) is not run by the local instance/);
    } finally {
      sn.engine.update('sys_atf_step', step.sysId, { step_config: step.stepConfigId, display_name: step.displayName }, { session: system });
    }
  });
});

describe('incident-sn atf', () => {
  it('installs the build on a local instance of its own, prints each outcome and the counts, exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/incident-sn.js'), 'atf', '--app', DIST_APP], { cwd: ROOT });
    for (const name of SUITE) expect(stdout).toContain(`PASS  ${name}`);
    expect(stdout.trim().split('\n').pop()).toBe(`${SUITE.length} passed, 0 failed`);
    // A whole process (tsx compiling the CLI, an instance, the install): 12-15 s alone, far more on a loaded machine.
  }, 180_000);
});
