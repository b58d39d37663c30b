import type { Session } from './session';

/**
 * The hook points the script runtime plugs into. The engine calls `businessRules` around every
 * insert, update and delete (unless the caller turned business rules off, like setWorkflow(false)),
 * and `aclScript` for ACLs that carry a script. The defaults do nothing: no business rules, and ACL
 * scripts are treated as passing (only roles and conditions decide) until a runtime is installed.
 */

export type RecordOperation = 'insert' | 'update' | 'delete';

/** A record's values: every column as a string ('' when empty), keyed by column name. */
export type RecordValues = Record<string, string>;

export interface RecordSnapshot {
  /** The record's class (sys_class_name): `incident` for an incident even when read through `task`. */
  table: string;
  sysId: string;
  values: Readonly<RecordValues>;
}

export interface MutableRecord {
  table: string;
  sysId: string;
  /**
   * Values a before rule may change (set a string). Journal fields (comments, work_notes) hold the
   * text being added by this operation. Changes are normalised to the column types after the hook.
   */
  values: RecordValues;
}

interface RuleEventBase {
  operation: RecordOperation;
  /** The record's class and its parents, most specific first: ['incident', 'task']. A rule on task runs for incidents. */
  tables: readonly string[];
  session: Session;
}

export interface BeforeRuleEvent extends RuleEventBase {
  current: MutableRecord;
  /** The stored record before this operation; null on insert. */
  previous: RecordSnapshot | null;
}

export interface AfterRuleEvent extends RuleEventBase {
  /** The record as written (for delete: as it was). */
  current: RecordSnapshot;
  previous: RecordSnapshot | null;
  /** Columns whose value changed (for insert: every non-empty column; journal fields included). */
  changedFields: readonly string[];
}

/** What a before rule returns to stop the operation (current.setAbortAction(true)). */
export interface AbortDecision {
  abort: true;
  /** Name and sys_id of the rule that aborted, for the platform's error detail. */
  ruleName?: string;
  ruleSysId?: string;
}

export interface BusinessRuleHooks {
  /** Runs before the write; may change `event.current.values`; return an AbortDecision to stop. */
  before(event: BeforeRuleEvent): AbortDecision | void;
  /**
   * Runs after the write, inside the write's transaction (as on the platform: what after rules write
   * commits with the change, in one commit), in the same call (the HTTP response waits for it). A
   * failure is logged and the write stays.
   */
  after(event: AfterRuleEvent): void;
  /**
   * Whether async rules apply to this event: true, or the sys_ids of the rules that apply (async rules
   * are chosen when the change happens, while `previous` exists; an empty list means none). When some
   * apply the engine queues, in the same transaction as the write, one `sys_trigger` job of type
   * ASYNC_BUSINESS_RULE_JOB whose payload is an AsyncRuleJobPayload (with `rules` when a list was
   * given); the runtime's scheduler runs the rules from it (with no `previous`).
   */
  hasAsync(event: AfterRuleEvent): boolean | readonly string[];
}

export const ASYNC_BUSINESS_RULE_JOB = 'async_business_rule';

export interface AsyncRuleJobPayload {
  operation: RecordOperation;
  tables: string[];
  sysId: string;
  /** The user whose operation triggered the rules (the job runs as this user). */
  userName: string;
  /**
   * For delete only: the record as it was (it no longer exists when the job runs). An insert's or
   * update's job reads the record when it runs, as the platform's async rules do, so its row is not
   * copied into the job (a copy is CPU in the user's transaction, and a stale one at that).
   */
  current?: RecordValues;
  changedFields: string[];
  /** The async rules chosen when the change happened (sys_ids), when the hook named them. */
  rules?: string[];
}

/** An ACL that has a script; return whether the script grants access. */
export type AclScriptEvaluator = (input: {
  acl: { sysId: string; name: string; operation: string; script: string };
  table: string;
  /** The record being checked, when the check has one. */
  record: RecordSnapshot | null;
  session: Session;
}) => boolean;

/**
 * Evaluates the expression of a `javascript:` value in a query or condition that the engine does not
 * know itself (it knows gs.getUserID(), gs.getUserName(), gs.nowDateTime()). Undefined: unknown.
 */
export type DynamicValueEvaluator = (expression: string, session: Session) => string | undefined;

/** One record write as stored (current: the values written, for delete as they were; previous: before it, null on insert). */
export interface RecordWrite {
  operation: RecordOperation;
  /** The record's class. */
  table: string;
  sysId: string;
  current: Readonly<RecordValues>;
  previous: Readonly<RecordValues> | null;
}

/**
 * Told of every record write of this engine inside the write's transaction, whether business rules
 * run or not (the ATF runner's rollback records them: src/instance/atf/rollback.ts).
 */
export type WriteObserver = (write: RecordWrite) => void;

export interface InstanceHooks {
  businessRules: BusinessRuleHooks;
  aclScript: AclScriptEvaluator | null;
  dynamicValue: DynamicValueEvaluator | null;
  writeObserver: WriteObserver | null;
}

export const NO_BUSINESS_RULES: BusinessRuleHooks = Object.freeze({
  before: () => undefined,
  after: () => undefined,
  hasAsync: () => false,
});

export function defaultHooks(): InstanceHooks {
  return { businessRules: NO_BUSINESS_RULES, aclScript: null, dynamicValue: null, writeObserver: null };
}
