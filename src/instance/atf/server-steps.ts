import { IncidentSnError } from '../../shared/errors';
import { describeThrown } from '../runtime/script-runtime';
import { StepFailure, type StepContext, type StepHandler, type StepPass } from './context';
import { booleanInput, parseTemplate } from './inputs';

/** The Server category's steps (impersonate, users, records, scripts, log), as the platform runs them. */

function required(inputs: Record<string, string>, name: string): string {
  const value = inputs[name];
  if (value === undefined || value === '') throw new StepFailure(`the input "${name}" is empty`);
  return value;
}

function reason(err: unknown): string {
  return describeThrown(err).message;
}

/** Runs a record operation as the test's current user (business rules see that user, as on the platform). */
function asTestUser<T>(ctx: StepContext, fn: () => T): T {
  return ctx.engine.runAs(ctx.session, fn);
}

const impersonate: StepHandler = (ctx, inputs) => {
  const user = required(inputs, 'user');
  const session = ctx.engine.sessionForUser(user);
  if (!session) throw new StepFailure(`no user ${user} to impersonate`);
  ctx.session = session;
  return { message: `Impersonating ${session.userName}`, outputs: { user: session.userSysId } };
};

const createUser: StepHandler = (ctx, inputs) => {
  const table = inputs.table || 'sys_user';
  const values = parseTemplate(inputs.field_values ?? '');
  if (inputs.first_name) values.first_name = inputs.first_name;
  if (inputs.last_name) values.last_name = inputs.last_name;
  if (!values.user_name) values.user_name = `${values.first_name ?? 'atf'}.${values.last_name ?? 'user'}`.toLowerCase().replace(/\s+/g, '.');
  const system = ctx.engine.systemSession();
  let userId: string;
  try {
    userId = asTestUser(ctx, () => ctx.engine.insert(table, values, { session: ctx.session }).sysId);
    for (const role of listInput(inputs.roles)) ctx.engine.insert('sys_user_has_role', { user: userId, role }, { session: system });
    for (const group of listInput(inputs.groups)) ctx.engine.insert('sys_user_grmember', { user: userId, group }, { session: system });
  } catch (err) {
    throw new StepFailure(`could not create user ${values.user_name}: ${reason(err)}`, { cause: err });
  }
  let message = `Created user ${values.user_name}`;
  if (booleanInput(inputs.impersonate, true)) {
    const session = ctx.engine.sessionForUser(userId);
    if (!session) throw new StepFailure(`the new user ${values.user_name} cannot be impersonated`);
    ctx.session = session;
    message += ' and impersonating them';
  }
  return { message, outputs: { user: userId } };
};

function listInput(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const log: StepHandler = (_ctx, inputs) => ({ message: inputs.log ?? '' });

const recordInsert: StepHandler = (ctx, inputs) => {
  const table = required(inputs, 'table');
  const values = parseTemplate(required(inputs, 'field_values'));
  const expectInserted = (inputs.assert_type || 'record_successfully_inserted') === 'record_successfully_inserted';
  let sysId: string | null = null;
  let failure = '';
  try {
    sysId = asTestUser(ctx, () => ctx.engine.insert(table, values, { session: ctx.session, enforceAcl: booleanInput(inputs.enforce_security, true) }).sysId);
  } catch (err) {
    failure = reason(err);
  }
  if (expectInserted && !sysId) throw new StepFailure(`the ${table} record was not inserted: ${failure}`);
  if (!expectInserted && sysId) throw new StepFailure(`a ${table} record was inserted (${sysId}), but the step asserts it is not`);
  return sysId ? { message: `Inserted ${table} ${sysId}`, outputs: { table, record_id: sysId } } : { message: `No ${table} record inserted, as asserted: ${failure}` };
};

const recordUpdate: StepHandler = (ctx, inputs) => {
  const table = required(inputs, 'table');
  const recordId = required(inputs, 'record_id');
  const values = parseTemplate(required(inputs, 'field_values'));
  const expectUpdated = (inputs.assert_type || 'record_successfully_updated') === 'record_successfully_updated';
  let failure = '';
  try {
    asTestUser(ctx, () => ctx.engine.update(table, recordId, values, { session: ctx.session, enforceAcl: booleanInput(inputs.enforce_security, true) }));
  } catch (err) {
    failure = reason(err);
  }
  if (expectUpdated && failure) throw new StepFailure(`${table} ${recordId} was not updated: ${failure}`);
  if (!expectUpdated && !failure) throw new StepFailure(`${table} ${recordId} was updated, but the step asserts it is not`);
  return { message: failure ? `Not updated, as asserted: ${failure}` : `Updated ${table} ${recordId}: ${Object.keys(values).join(', ')}` };
};

const recordDelete: StepHandler = (ctx, inputs) => {
  const table = required(inputs, 'table');
  const recordId = required(inputs, 'record_id');
  const expectDeleted = (inputs.assert_type || 'record_successfully_deleted') === 'record_successfully_deleted';
  let failure = '';
  try {
    asTestUser(ctx, () => ctx.engine.delete(table, recordId, { session: ctx.session, enforceAcl: booleanInput(inputs.enforce_security, true) }));
  } catch (err) {
    failure = reason(err);
  }
  if (expectDeleted && failure) throw new StepFailure(`${table} ${recordId} was not deleted: ${failure}`);
  if (!expectDeleted && !failure) throw new StepFailure(`${table} ${recordId} was deleted, but the step asserts it is not`);
  return { message: failure ? `Not deleted, as asserted: ${failure}` : `Deleted ${table} ${recordId}` };
};

/** Refuses a query with clauses the table does not know: a misspelt field must not pass a "no records" assertion. */
function checkedQuery(ctx: StepContext, table: string, query: string, enforceAcl: boolean) {
  if (!ctx.engine.hasTable(table)) throw new StepFailure(`no table ${table}`);
  const result = asTestUser(ctx, () => ctx.engine.query(table, { query, session: ctx.session, enforceAcl, limit: 1 }));
  if (result.invalid.length > 0) throw new StepFailure(`the conditions "${query}" name what ${table} does not have: ${JSON.stringify(result.invalid)}`);
  return result;
}

const recordQuery: StepHandler = (ctx, inputs) => {
  const table = required(inputs, 'table');
  const query = required(inputs, 'field_values');
  const expectMatch = (inputs.assert_type || 'records_match_query') === 'records_match_query';
  const first = checkedQuery(ctx, table, query, booleanInput(inputs.enforce_security, true)).records[0];
  if (expectMatch && !first) throw new StepFailure(`no ${table} record matches ${query}`);
  if (!expectMatch && first) throw new StepFailure(`${table} ${first.sysId} matches ${query}, but the step asserts none does`);
  return first ? { message: `${table} ${first.sysId} matches ${query}`, outputs: { table, first_record: first.sysId } } : { message: `No ${table} record matches ${query}, as asserted` };
};

const recordValidation: StepHandler = (ctx, inputs) => {
  const table = required(inputs, 'table');
  const recordId = required(inputs, 'record_id');
  const conditions = inputs.field_values ?? '';
  const expectValid = (inputs.assert_type || 'record_validated') === 'record_validated';
  const query = `sys_id=${recordId}${conditions ? `^${conditions}` : ''}`;
  const found = checkedQuery(ctx, table, query, booleanInput(inputs.enforce_security, true)).records[0];
  if (expectValid && !found) {
    const exists = ctx.engine.get(table, recordId, { session: ctx.engine.systemSession() });
    throw new StepFailure(exists ? `${table} ${recordId} does not match ${conditions}` : `no ${table} record ${recordId}`);
  }
  if (!expectValid && found) throw new StepFailure(`${table} ${recordId} matches ${conditions}, but the step asserts it does not`);
  return { message: found ? `${table} ${recordId} matches ${conditions}` : `${table} ${recordId} does not match ${conditions}, as asserted` };
};

/** assertEqual() of a server-side script step: a named comparison that fails the step. */
class AssertionFailure extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'atf_assertion_failed', ...options });
  }
}

function assertEqual(assertion: unknown): void {
  const a = (assertion ?? {}) as { name?: unknown; shouldbe?: unknown; value?: unknown };
  if (a.shouldbe === a.value) return;
  throw new AssertionFailure(`${String(a.name ?? 'assertion')}: expected ${JSON.stringify(a.shouldbe)}, got ${JSON.stringify(a.value)}`);
}

/**
 * Run Server Side Script: the script runs in the test's scope as the current user, with `outputs`,
 * `steps(sys_id)`, `params`, `stepResult` and `assertEqual`. Its value (the main function's return)
 * decides: false fails the step; a thrown error or a failed assertEqual fails it with its message.
 */
const runServerSideScript: StepHandler = (ctx, inputs) => {
  const script = required(inputs, 'script');
  const outputs: Record<string, unknown> = {};
  let message = '';
  const stepResult = {
    setOutputMessage: (text: unknown) => {
      message = String(text);
    },
  };
  const steps = (sysId: unknown) => ({ ...(ctx.outputs.get(String(sysId)) ?? {}) });
  const outcome = ctx.runtime.run({
    kind: 'script',
    name: `ATF step "${ctx.step.displayName}" of "${ctx.test.name}"`,
    sysId: ctx.step.sysId,
    scope: ctx.test.scopeId,
    // The platform takes the value of the script's last expression (the main function's return):
    // eval gives exactly that, with the step's variables in scope.
    script: `return eval(${JSON.stringify(script)});`,
    variables: { outputs, steps, params: {}, stepResult, assertEqual },
    session: ctx.session,
    logErrors: (err) => !(err instanceof AssertionFailure),
  });
  if (!outcome.ok) {
    throw new StepFailure(outcome.error instanceof AssertionFailure ? outcome.message : `the script failed: ${outcome.message}`);
  }
  if (outcome.value === false) throw new StepFailure(message || 'the script returned false');
  const produced: Record<string, string> = {};
  for (const [key, value] of Object.entries(outputs)) if (value !== undefined && value !== null) produced[key] = String(value);
  const pass: StepPass = { message: message || 'The script passed', outputs: produced };
  return pass;
};

export const SERVER_STEPS = {
  impersonate,
  createUser,
  log,
  recordInsert,
  recordUpdate,
  recordDelete,
  recordQuery,
  recordValidation,
  runServerSideScript,
} as const;
