import { IncidentSnError } from '../../shared/errors';
import type { InstanceEngine } from '../records/engine';
import { queryCondition } from '../query';
import { STEP_CONFIGS, type StepConfig } from './step-configs';

/** One step of an installed test, with its inputs by field name (before step references are resolved). */
export interface AtfStep {
  sysId: string;
  order: number;
  stepConfigId: string;
  displayName: string;
  /** null: a step type the local instance does not run (the test fails at this step, naming it). */
  config: StepConfig | null;
  inputs: Record<string, string>;
}

export interface AtfTest {
  sysId: string;
  name: string;
  description: string;
  /** The test's scope (sys_id): its scripts run in it. */
  scopeId: string;
  failOnServerError: boolean;
  steps: AtfStep[];
}

/**
 * The active tests installed on the instance (of one scope, when given a scope name or sys_id), in
 * name order, each with its active steps in execution order, read from sys_atf_test, sys_atf_step
 * and sys_variable_value as a `now-sdk build` writes them.
 */
export function readInstalledTests(engine: InstanceEngine, options: { scope?: string } = {}): AtfTest[] {
  const session = engine.systemSession();
  let query = 'active=true';
  if (options.scope) {
    const scope = engine.query('sys_scope', { query: `${queryCondition('scope', '=', options.scope)}^OR${queryCondition('sys_id', '=', options.scope)}`, session, limit: 1 }).records[0];
    if (!scope) throw new IncidentSnError(`no application with scope ${options.scope} is installed`, { code: 'atf_app_not_installed' });
    query += `^${queryCondition('sys_scope', '=', scope.sysId)}`;
  }
  const tests = engine.query('sys_atf_test', { query: `${query}^ORDERBYname`, session }).records;
  return tests.map((test) => {
    const steps = engine.query('sys_atf_step', { query: `${queryCondition('test', '=', test.sysId)}^active=true^ORDERBYorder`, session }).records;
    return {
      sysId: test.sysId,
      name: test.values.name ?? '',
      description: test.values.description ?? '',
      scopeId: test.values.sys_scope ?? '',
      failOnServerError: test.values.fail_on_server_error !== '0' && test.values.fail_on_server_error !== 'false',
      steps: steps.map((step) => {
        const config = STEP_CONFIGS[step.values.step_config ?? ''] ?? null;
        const inputs: Record<string, string> = {};
        if (step.values.table) inputs.table = step.values.table;
        const values = engine.query('sys_variable_value', {
          query: `${queryCondition('document', '=', 'sys_atf_step')}^${queryCondition('document_key', '=', step.sysId)}`,
          session,
        }).records;
        for (const v of values) {
          const field = config?.inputs[v.values.variable ?? ''];
          if (field) inputs[field] = v.values.value ?? '';
        }
        return {
          sysId: step.sysId,
          order: Number(step.values.order || '0'),
          stepConfigId: step.values.step_config ?? '',
          displayName: step.values.display_name || config?.name || 'step',
          config,
          inputs,
        };
      }),
    };
  });
}
