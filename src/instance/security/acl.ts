import type { TableMeta } from '../db/dictionary';
import type { AclOperation } from '../errors';
import { parseEncodedQuery, type EncodedQuery } from '../query';
import { evaluateQuery } from '../query/evaluate';
import type { InstanceEngine } from '../records/engine';
import type { RecordValues } from '../records/hooks';
import { isAdmin, sessionHasRole, type Session } from '../records/session';

export interface AclRule {
  sysId: string;
  name: string;
  type: string;
  operation: string;
  decision: 'allow' | 'deny';
  adminOverrides: boolean;
  condition: EncodedQuery | null;
  script: string;
  roles: string[];
}

/** The record an ACL check is about (absent for "could this user ever …" checks). */
export interface AclRecord {
  table: TableMeta;
  values: RecordValues;
}

/** Decisions that did not depend on a record, remembered for one request (lists check every row). */
export type AclMemo = Map<string, boolean | null>;

/** Decisions the session's roles alone made (null: no ACL applies), by table or field name. */
type StaticDecisions = Map<string, boolean | null>;

/**
 * ACL evaluation, as the platform does it for record ACLs:
 * - Table-level names are tried from the most specific table up the hierarchy, then `*`
 *   (`incident`, `task`, `*`). Field-level: `incident.state`, `task.state`, `*.state`, then
 *   `incident.*`, `task.*`, `*.*`. The first name that has active ACLs for the operation decides.
 * - At that level a "Deny Unless" ACL (decision_type deny) whose requirements the user does not
 *   meet denies, whatever the allow ACLs say; otherwise access needs one "Allow If" ACL whose
 *   requirements are met. A level with only satisfied deny ACLs defers to the next level.
 * - Requirements: one of the ACL's roles (admin holds every role), the condition on the record, the
 *   script (through the runtime's hook). With admin overrides, admin skips condition and script.
 * - No table-level ACL anywhere: denied. No field-level ACL anywhere: the table-level decision stands.
 * - Without a record, conditions count as met (the check asks whether access is possible at all).
 */
export class AclService {
  private rules: Map<string, AclRule[]> | null = null;
  /**
   * Table and field decisions that no condition or script took part in, per session, for as long as
   * the rules are: they follow from the rules and the session's roles alone (a session's roles never
   * change; a grant bumps the metadata version, which drops the rules, this and the cached sessions).
   * A response checks read on every field of every record it returns, a write on every field given.
   */
  private staticDecisions = new WeakMap<Session, Map<string, StaticDecisions>>();
  /** Counts invalidations: a field check made before one does not use what it kept. */
  private generation = 0;
  private scriptWarned = false;

  constructor(private readonly engine: InstanceEngine) {}

  /** Drops cached rules (the engine calls this when the metadata version changes). */
  invalidate(): void {
    this.rules = null;
    this.staticDecisions = new WeakMap();
    this.generation++;
  }

  canRead(table: TableMeta, session: Session, record?: AclRecord, memo?: AclMemo): boolean {
    return this.checkTable('read', table, session, record, memo);
  }

  /** Table-level check for an operation. */
  checkTable(operation: AclOperation, table: TableMeta, session: Session, record?: AclRecord, memo?: AclMemo): boolean {
    if (session.isSystem) return true;
    const kept = this.staticDecisionsOf(session, `T|${operation}`);
    const known = kept.get(table.name);
    if (known !== undefined) return known ?? false;
    const levels = [...table.hierarchy, '*'];
    const decision = this.decide('record', operation, levels, session, record, memo, `T|${operation}|${table.name}`, kept, table.name);
    return decision ?? false;
  }

  /** Field-level check (the caller checks the table level separately). */
  checkField(operation: AclOperation, table: TableMeta, field: string, session: Session, record?: AclRecord, memo?: AclMemo): boolean {
    if (session.isSystem) return true;
    const kept = this.staticDecisionsOf(session, `F|${operation}|${table.name}`);
    const known = kept.get(field);
    if (known !== undefined) return known ?? true;
    const levels = [...table.hierarchy.map((t) => `${t}.${field}`), `*.${field}`, ...table.hierarchy.map((t) => `${t}.*`), '*.*'];
    return this.decide('record', operation, levels, session, record, memo, `F|${operation}|${table.name}|${field}`, kept, field) ?? true;
  }

  /**
   * checkField for many fields of one table (a response's every field of every record): the same
   * answers, with a kept decision found by the field's name alone.
   */
  fieldCheck(operation: AclOperation, table: TableMeta, session: Session, memo?: AclMemo): (field: string, record?: AclRecord) => boolean {
    if (session.isSystem) return () => true;
    const kept = this.staticDecisionsOf(session, `F|${operation}|${table.name}`);
    const generation = this.generation;
    return (field, record) => {
      const known = generation === this.generation ? kept.get(field) : undefined;
      return known !== undefined ? (known ?? true) : this.checkField(operation, table, field, session, record, memo);
    };
  }

  /** The decisions kept for a session under a group (`T|read`: by table; `F|read|incident`: by field). */
  private staticDecisionsOf(session: Session, group: string): StaticDecisions {
    let groups = this.staticDecisions.get(session);
    if (!groups) {
      groups = new Map();
      this.staticDecisions.set(session, groups);
    }
    let kept = groups.get(group);
    if (!kept) {
      kept = new Map();
      groups.set(group, kept);
    }
    return kept;
  }

  /**
   * Evaluates named ACLs of another type (e.g. `rest_endpoint` for scripted REST APIs): null when no
   * ACL of that name exists, otherwise the decision.
   */
  checkNamed(type: string, operation: string, name: string, session: Session): boolean | null {
    if (session.isSystem) return true;
    return this.decide(type, operation, [name], session, undefined, undefined, undefined);
  }

  rulesFor(type: string, operation: string, name: string): AclRule[] {
    return this.load().get(`${type}|${operation}|${name}`) ?? [];
  }

  private decide(
    type: string,
    operation: string,
    levels: string[],
    session: Session,
    record: AclRecord | undefined,
    memo: AclMemo | undefined,
    memoKey: string | undefined,
    kept?: StaticDecisions,
    keptKey?: string,
  ): boolean | null {
    const key = memoKey ? `${memoKey}|${record ? 'R' : 'N'}` : undefined;
    if (memo && key && memo.has(key)) return memo.get(key) ?? null;
    let isStatic = true;
    for (const level of levels) {
      const rules = this.rulesFor(type, operation, level);
      if (rules.length === 0) continue;
      if (!rules.every((r) => !r.condition && !r.script)) isStatic = false;
      const denies = rules.filter((r) => r.decision === 'deny');
      const allows = rules.filter((r) => r.decision === 'allow');
      let result: boolean | undefined;
      if (denies.some((r) => !this.meets(r, session, record))) result = false;
      else if (allows.length === 0) continue;
      else result = allows.some((r) => this.meets(r, session, record));
      if (memo && key && (isStatic || !record)) memo.set(key, result);
      if (isStatic && kept && keptKey !== undefined) kept.set(keptKey, result);
      return result;
    }
    if (memo && key) memo.set(key, null);
    if (isStatic && kept && keptKey !== undefined) kept.set(keptKey, null);
    return null;
  }

  private meets(rule: AclRule, session: Session, record: AclRecord | undefined): boolean {
    if (rule.roles.length > 0 && !rule.roles.some((r) => sessionHasRole(session, r))) return false;
    if (rule.adminOverrides && isAdmin(session)) return true;
    if (rule.condition && record) {
      const reader = this.engine.reader();
      const ctx = reader.context(record.table, record.values, null, { dynamicValue: this.engine.dynamicValues(session) });
      if (!evaluateQuery(rule.condition, ctx)) return false;
    }
    if (rule.script) {
      const evaluator = this.engine.hooks().aclScript;
      if (!evaluator) {
        if (!this.scriptWarned) {
          this.scriptWarned = true;
          this.engine.logger.debug({ acl: rule.name }, 'ACL scripts are not evaluated until a script runtime is installed; treating them as passing');
        }
        return true;
      }
      return evaluator({
        acl: { sysId: rule.sysId, name: rule.name, operation: rule.operation, script: rule.script },
        table: record?.table.name ?? rule.name.split('.')[0],
        record: record ? { table: record.values.sys_class_name || record.table.name, sysId: record.values.sys_id ?? '', values: record.values } : null,
        session,
      });
    }
    return true;
  }

  private load(): Map<string, AclRule[]> {
    if (this.rules) return this.rules;
    const rows = this.engine.lookups.activeAcls();
    const roleRows = this.engine.lookups.aclRoleNames();
    const rolesByAcl = new Map<string, string[]>();
    for (const r of roleRows) {
      if (!r.role) continue;
      const list = rolesByAcl.get(r.acl) ?? [];
      list.push(r.role);
      rolesByAcl.set(r.acl, list);
    }
    const rules = new Map<string, AclRule[]>();
    for (const row of rows) {
      const name = row.name ?? '';
      const type = row.type || 'record';
      const operation = row.operation ?? '';
      const conditionText = row.condition ?? '';
      const rule: AclRule = {
        sysId: row.sys_id ?? '',
        name,
        type,
        operation,
        decision: row.decision_type === 'deny' ? 'deny' : 'allow',
        adminOverrides: row.admin_overrides !== 'false',
        condition: conditionText ? parseEncodedQuery(conditionText) : null,
        // The platform only runs an ACL's script when the ACL is advanced.
        script: row.advanced === 'true' ? (row.script ?? '').trim() : '',
        roles: rolesByAcl.get(row.sys_id ?? '') ?? [],
      };
      const key = `${type}|${operation}|${name}`;
      const list = rules.get(key) ?? [];
      list.push(rule);
      rules.set(key, list);
    }
    this.rules = rules;
    return rules;
  }
}
