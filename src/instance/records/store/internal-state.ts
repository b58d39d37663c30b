import { IncidentSnError } from '../../../shared/errors';
import type { SqliteDatabase } from '../../db/database';

/**
 * The instance's own bookkeeping in the internal tables (db/internal-tables.ts), shared by every
 * thread through SQLite: one narrow class per table, so no code outside the record layer writes SQL.
 */

/** Record numbers (`INC0010001`): one counter per numbered table. */
export class NumberCounters {
  private readonly nextStmt;

  constructor(db: SqliteDatabase) {
    this.nextStmt = db.prepare<[string, number], { next_value: number }>(
      `INSERT INTO _number_counters (table_name, next_value) VALUES (?, ?) ON CONFLICT(table_name) DO UPDATE SET next_value = next_value + 1 RETURNING next_value`,
    );
  }

  /** The next value of a table's counter (`start` the first time). */
  next(table: string, start: number): number {
    const row = this.nextStmt.get(table, start);
    if (!row) throw new IncidentSnError(`the number counter of ${table} could not be advanced`, { code: 'instance_counter_failed' });
    return row.next_value;
  }
}

/** Requests counted per rate-limit rule, user and window. */
export class RateLimitCounters {
  private readonly hitStmt;
  private readonly pruneStmt;

  constructor(db: SqliteDatabase) {
    this.hitStmt = db.prepare<[string, string, number], { count: number }>(
      `INSERT INTO _rate_limit_counters (rule_id, user_id, window_start, count) VALUES (?, ?, ?, 1)
       ON CONFLICT(rule_id, user_id, window_start) DO UPDATE SET count = count + 1 RETURNING count`,
    );
    this.pruneStmt = db.prepare('DELETE FROM _rate_limit_counters WHERE window_start < ?');
  }

  /** Counts one request in a window; returns the window's count so far. The first hit of a window drops older windows. */
  hit(ruleId: string, userId: string, windowStart: number): number {
    const row = this.hitStmt.get(ruleId, userId, windowStart);
    const count = row?.count ?? 1;
    if (count === 1) this.pruneStmt.run(windowStart);
    return count;
  }
}

/** Grants of roles that do not exist yet (a seed user given a role an app ships later). */
export class PendingRoleGrants {
  private readonly addStmt;
  private readonly listStmt;
  private readonly removeStmt;

  constructor(db: SqliteDatabase) {
    this.addStmt = db.prepare('INSERT OR IGNORE INTO _pending_role_grants (user_name, role_name) VALUES (?, ?)');
    this.listStmt = db.prepare<[], { user_name: string; role_name: string }>('SELECT user_name, role_name FROM _pending_role_grants');
    this.removeStmt = db.prepare('DELETE FROM _pending_role_grants WHERE user_name = ? AND role_name = ?');
  }

  add(userName: string, roleName: string): void {
    this.addStmt.run(userName, roleName);
  }

  list(): Array<{ userName: string; roleName: string }> {
    return this.listStmt.all().map((r) => ({ userName: r.user_name, roleName: r.role_name }));
  }

  remove(userName: string, roleName: string): void {
    this.removeStmt.run(userName, roleName);
  }
}

/** The value each app property had in the build last installed (the installer tells customer changes apart with it). */
export class InstalledPropertyValues {
  private readonly forScopeStmt;
  private readonly rememberStmt;
  private readonly forgetStmt;

  constructor(db: SqliteDatabase) {
    this.forScopeStmt = db.prepare<[string], { sys_id: string; value: string }>('SELECT sys_id, value FROM _app_installed_property_values WHERE scope_id = ?');
    this.rememberStmt = db.prepare(
      'INSERT INTO _app_installed_property_values (sys_id, scope_id, value) VALUES (?, ?, ?) ON CONFLICT(sys_id) DO UPDATE SET value = excluded.value, scope_id = excluded.scope_id',
    );
    this.forgetStmt = db.prepare('DELETE FROM _app_installed_property_values WHERE scope_id = ?');
  }

  /** Property sys_id → the value the last installed build of the scope gave it. */
  forScope(scopeId: string): Map<string, string> {
    return new Map(this.forScopeStmt.all(scopeId).map((r) => [r.sys_id, r.value]));
  }

  remember(propertySysId: string, scopeId: string, value: string): void {
    this.rememberStmt.run(propertySysId, scopeId, value);
  }

  /** Forgets a scope's values (the app was uninstalled). */
  forgetScope(scopeId: string): void {
    this.forgetStmt.run(scopeId);
  }
}
