import type { InstanceEngine } from '../records/engine';
import type { AclScriptEvaluator, DynamicValueEvaluator } from '../records/hooks';
import { BusinessRuleRunner } from './business-rules';
import { GlideRecordImpl } from './glide/glide-record';
import { ScriptRuntime, type ScriptRuntimeOptions } from './script-runtime';

/**
 * Installs the script runtime on an engine (one per thread): business rules, ACL scripts and
 * `javascript:` values in queries all run through it from then on.
 */
export interface AttachedRuntime {
  runtime: ScriptRuntime;
  rules: BusinessRuleRunner;
}

export function attachRuntime(engine: InstanceEngine, options: ScriptRuntimeOptions = {}): AttachedRuntime {
  const runtime = new ScriptRuntime(engine, options);
  const rules = new BusinessRuleRunner(runtime);

  const aclScript: AclScriptEvaluator = ({ acl, table, record, session }) => {
    const current = record
      ? GlideRecordImpl.bound(runtime, { table: record.table, values: { ...record.values }, original: { ...record.values }, operation: 'update', isNew: false })
      : new GlideRecordImpl(runtime, table, false);
    const outcome = runtime.run({ kind: 'acl', name: `${acl.name} (${acl.operation})`, sysId: acl.sysId, script: acl.script, variables: { current }, mode: 'answer', session });
    return outcome.ok && outcome.value !== false && outcome.value !== undefined && outcome.value !== null && outcome.value !== 'false';
  };

  const dynamicValue: DynamicValueEvaluator = (expression, session) => {
    const outcome = runtime.run({ kind: 'script', name: `javascript:${expression}`, script: expression, mode: 'expression', session });
    if (!outcome.ok || outcome.value === undefined || outcome.value === null) return undefined;
    return String(outcome.value);
  };

  engine.setHooks({ businessRules: rules, aclScript, dynamicValue });
  return { runtime, rules };
}

export { ScriptRuntime } from './script-runtime';
export type { ScriptRuntimeOptions, RunScriptInput, ScriptOutcome } from './script-runtime';
export { BusinessRuleRunner } from './business-rules';
