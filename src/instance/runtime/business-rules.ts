import { parseEncodedQuery, type EncodedQuery } from '../query';
import type { InstanceEngine } from '../records/engine';
import type {
  AbortDecision,
  AfterRuleEvent,
  AsyncRuleJobPayload,
  BeforeRuleEvent,
  BusinessRuleHooks,
  RecordOperation,
  RecordValues,
} from '../records/hooks';
import { sessionHasRole, type Session } from '../records/session';
import { GlideRecordImpl } from './glide/glide-record';
import { scopeNameOf } from './glide/host';
import type { ScriptRuntime } from './script-runtime';

/**
 * Business rules from `sys_script`, plugged into the engine's hooks.
 *
 * - when: `before` (may change `current`, may abort with current.setAbortAction(true)), `after`,
 *   `async` and `async_always` (queued with the write, run later on the scheduler; both run the same
 *   way here), `display` is not run (there is no form). Query rules (action_query) are not run.
 * - A rule on a parent table runs for its children (`task` rules for incidents); rules run by
 *   `order`, then name.
 * - It runs when its action matches, `filter_condition` matches (VALCHANGES/CHANGESFROM/CHANGESTO
 *   against `previous`), its `role_conditions` hold and its script `condition` is truthy.
 * - Scripts get `current`, `previous` (null on insert and in async rules) and run as the user who
 *   made the change. An error in a rule is logged to syslog and the operation goes on.
 * - Async rules were chosen when the change happened (their conditions need `previous`); the job
 *   carries their sys_ids and runs them with `current` read fresh (or, after a delete, as it was).
 */

export type RuleWhen = 'before' | 'after' | 'async' | 'display';

export interface CompiledRule {
  sysId: string;
  name: string;
  table: string;
  when: RuleWhen;
  order: number;
  actions: ReadonlySet<RecordOperation>;
  filter: EncodedQuery | null;
  filterText: string;
  condition: string;
  roles: string[];
  abortAction: boolean;
  script: string;
  scope: string;
  /** The scope's name (`global` for platform rules): only scoped apps' rules are counted in `appRuleDataOps`. */
  scopeName: string;
}

function truthy(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

function whenOf(value: string | undefined): RuleWhen | null {
  switch (value) {
    case 'before':
    case 'after':
    case 'display':
      return value;
    case 'async':
    case 'async_always':
      return 'async';
    default:
      return null;
  }
}

export function loadBusinessRules(engine: InstanceEngine): ReadonlyMap<string, CompiledRule[]> {
  return engine.cachedByMetadata('runtime:business-rules', () => {
    const rows = engine.query('sys_script', { query: 'active!=false', session: engine.systemSession() }).records;
    const byTable = new Map<string, CompiledRule[]>();
    for (const { values: r } of rows) {
      const when = whenOf(r.when);
      if (!when || !r.collection) continue;
      const actions = new Set<RecordOperation>();
      if (truthy(r.action_insert)) actions.add('insert');
      if (truthy(r.action_update)) actions.add('update');
      if (truthy(r.action_delete)) actions.add('delete');
      const filterText = (r.filter_condition ?? '').trim();
      const rule: CompiledRule = {
        sysId: r.sys_id,
        name: r.name || r.sys_id,
        table: r.collection,
        when,
        order: Number(r.order || '100') || 0,
        actions,
        filter: filterText ? parseEncodedQuery(filterText) : null,
        filterText,
        condition: (r.condition ?? '').trim(),
        roles: (r.role_conditions ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
        abortAction: truthy(r.abort_action),
        script: r.script ?? '',
        scope: r.sys_scope ?? 'global',
        scopeName: scopeNameOf(engine, r.sys_scope ?? 'global'),
      };
      const list = byTable.get(rule.table) ?? [];
      list.push(rule);
      byTable.set(rule.table, list);
    }
    return byTable;
  });
}

/** The rules chosen per phase, operation and class hierarchy, kept with the set of rules they were chosen from. */
const RULE_SELECTIONS = new WeakMap<ReadonlyMap<string, CompiledRule[]>, Map<string, readonly CompiledRule[]>>();

export class BusinessRuleRunner implements BusinessRuleHooks {
  /** Inside a counted rule (nested rules are counted once, by the outermost). */
  private counting = false;

  constructor(private readonly runtime: ScriptRuntime) {
    // A timeout skips counted()'s finally block.
    runtime.onTimeout(() => {
      this.counting = false;
    });
  }

  private get engine(): InstanceEngine {
    return this.runtime.engine;
  }

  /**
   * Rules of the record's class and its parents for a phase and an operation, in order. Chosen once per
   * set of rules (a metadata version) and kept with it: every write asks three times (before, after, async).
   */
  rulesFor(tables: readonly string[], when: RuleWhen, operation: RecordOperation): readonly CompiledRule[] {
    const all = loadBusinessRules(this.engine);
    let chosen = RULE_SELECTIONS.get(all);
    if (!chosen) {
      chosen = new Map();
      RULE_SELECTIONS.set(all, chosen);
    }
    const key = `${when}|${operation}|${tables.join('>')}`;
    let rules = chosen.get(key);
    if (!rules) {
      const selected: CompiledRule[] = [];
      for (const table of tables) for (const rule of all.get(table) ?? []) if (rule.when === when && rule.actions.has(operation)) selected.push(rule);
      rules = selected.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
      chosen.set(key, rules);
    }
    return rules;
  }

  /** Whether a rule applies to this change: roles, filter condition, script condition. */
  private applies(
    rule: CompiledRule,
    table: string,
    values: RecordValues,
    previous: RecordValues | null,
    session: Session,
    vars: { current: unknown; previous: unknown } | (() => { current: unknown; previous: unknown }),
  ): boolean {
    if (rule.roles.length > 0 && !rule.roles.some((role) => sessionHasRole(session, role))) return false;
    if (rule.filter && !this.engine.matches(table, values, rule.filter, previous, session)) return false;
    if (rule.condition) {
      const variables = typeof vars === 'function' ? vars() : vars;
      const outcome = this.runtime.run({ kind: 'condition', name: `${rule.name} (condition)`, sysId: rule.sysId, scope: rule.scope, script: rule.condition, variables, mode: 'expression', session });
      if (!outcome.ok || !outcome.value) return false;
    }
    return true;
  }

  /** Runs a synchronous rule's work, adding what a scoped app's rule did to the engine's data operations to `appRuleDataOps`. */
  private counted<T>(rule: CompiledRule, work: () => T): T {
    if (this.counting || rule.scopeName === 'global') return work();
    const stats = this.engine.stats;
    const before = stats.dataOps;
    this.counting = true;
    try {
      return work();
    } finally {
      this.counting = false;
      stats.appRuleDataOps += stats.dataOps - before;
    }
  }

  private runRule(rule: CompiledRule, session: Session, vars: { current: unknown; previous: unknown }): void {
    if (!rule.script.trim()) return;
    this.runtime.run({ kind: 'business_rule', name: rule.name, sysId: rule.sysId, scope: rule.scope, script: rule.script, variables: vars, session });
  }

  before(event: BeforeRuleEvent): AbortDecision | void {
    const rules = this.rulesFor(event.tables, 'before', event.operation);
    if (rules.length === 0) return;
    const table = event.tables[0];
    const previousValues = event.previous ? { ...event.previous.values } : null;
    const current = GlideRecordImpl.bound(this.runtime, {
      table,
      values: event.current.values,
      original: previousValues,
      operation: event.operation,
      isNew: event.operation === 'insert',
    });
    const previous = previousValues ? GlideRecordImpl.bound(this.runtime, { table, values: { ...previousValues }, original: previousValues, operation: event.operation, isNew: false }) : null;
    const vars = { current, previous };
    for (const rule of rules) {
      const aborted = this.counted(rule, () => {
        if (!this.applies(rule, table, event.current.values, previousValues, event.session, vars)) return false;
        if (rule.abortAction) current.setAbortAction(true);
        this.runRule(rule, event.session, vars);
        return current.isActionAborted();
      });
      if (aborted) return { abort: true, ruleName: rule.name, ruleSysId: rule.sysId };
    }
  }

  after(event: AfterRuleEvent): void {
    const rules = this.rulesFor(event.tables, 'after', event.operation);
    if (rules.length === 0) return;
    const table = event.tables[0];
    const previousValues = event.previous ? { ...event.previous.values } : null;
    const values = { ...event.current.values };
    const current = GlideRecordImpl.bound(this.runtime, { table, values, original: event.operation === 'insert' ? null : previousValues, operation: event.operation, isNew: false });
    const previous = previousValues ? GlideRecordImpl.bound(this.runtime, { table, values: { ...previousValues }, original: previousValues, operation: event.operation, isNew: false }) : null;
    const vars = { current, previous };
    // One watchdog for all of them (script-runtime.ts): a timeout stops the rest, and the engine logs it.
    this.runtime.watched(() => {
      for (const rule of rules) {
        this.counted(rule, () => {
          if (this.applies(rule, table, values, event.operation === 'insert' ? null : previousValues, event.session, vars)) this.runRule(rule, event.session, vars);
        });
      }
    });
  }

  /** The async rules that apply: their sys_ids go into the job's payload. */
  hasAsync(event: AfterRuleEvent): string[] {
    const rules = this.rulesFor(event.tables, 'async', event.operation);
    if (rules.length === 0) return [];
    const table = event.tables[0];
    const previousValues = event.previous && event.operation !== 'insert' ? { ...event.previous.values } : null;
    const values = { ...event.current.values };
    // `current` and `previous` only for a rule with a script condition (most have a filter, or nothing).
    let vars: { current: unknown; previous: unknown } | null = null;
    const scriptVars = (): { current: unknown; previous: unknown } =>
      (vars ??= {
        current: GlideRecordImpl.bound(this.runtime, { table, values, original: previousValues, operation: event.operation, isNew: false }),
        previous: previousValues ? GlideRecordImpl.bound(this.runtime, { table, values: { ...previousValues }, original: previousValues, operation: event.operation, isNew: false }) : null,
      });
    return rules.filter((rule) => this.applies(rule, table, values, previousValues, event.session, scriptVars)).map((rule) => rule.sysId);
  }

  /** Runs the async rules of a queued job (on a scheduler worker), as the user who made the change. */
  runAsync(payload: AsyncRuleJobPayload): void {
    const engine = this.engine;
    const session = (payload.userName && engine.sessionForUser(payload.userName)) || engine.systemSession();
    const table = payload.tables[0];
    if (!table || !engine.hasTable(table)) return;
    const fresh = payload.operation === 'delete' ? null : engine.get(table, payload.sysId, { session: engine.systemSession() });
    // An inserted or updated record deleted before its job ran: nothing is left to run the rules on.
    // (Jobs queued before the payload dropped the row still carry it.)
    const source = fresh?.values ?? payload.current;
    if (!source) return;
    const values = { ...source };
    const byId = new Map<string, CompiledRule>();
    for (const rule of this.rulesFor(payload.tables, 'async', payload.operation)) byId.set(rule.sysId, rule);
    // Jobs queued before rules were tracked by sys_id run every async rule that still applies.
    const selected = payload.rules ? payload.rules.map((id) => byId.get(id)).filter((r): r is CompiledRule => r !== undefined) : [...byId.values()];
    for (const rule of selected) {
      const current = GlideRecordImpl.bound(this.runtime, { table: fresh?.table ?? table, values, original: values, operation: payload.operation, isNew: false });
      this.runRule(rule, session, { current, previous: null });
    }
  }
}
