import { IncidentSnError } from '../../../shared/errors';
import type { PendingRoleGrants } from '../store/internal-state';
import type { RowStore } from '../store/row-store';
import { formatDateTime, newSysId } from '../values';

/** What role maintenance needs from the engine. */
export interface RoleGrantContext {
  store: RowStore;
  pending: PendingRoleGrants;
  now(): number;
  /** Inserts a direct grant as the system (through the engine, so its reactions run). */
  insertDirectGrant(userSysId: string, roleSysId: string): void;
}

interface HasRoleRow {
  sys_id: string;
  role: string | null;
  inherited: string | null;
  granted_by: string | null;
  included_in_role: string | null;
}

/**
 * Role grants as the platform keeps them: `sys_user_has_role` holds a row per role a user holds,
 * direct grants (inherited=false), grants through a group (granted_by = the group), and a row with
 * inherited=true for every role contained in those (included_in_role = the containing role). The
 * derived rows are rebuilt whenever grants, group membership, group roles or containment change.
 * Containment cycles are safe (each role is expanded once per grant source).
 */
export class RoleService {
  constructor(private readonly ctx: RoleGrantContext) {}

  /** Effective role names of a user, read from the maintained sys_user_has_role rows. */
  roleNamesOf(userSysId: string): Set<string> {
    const rows = this.ctx.store
      .prepare(
        `SELECT DISTINCT r.name AS name FROM "sys_user_has_role" h JOIN "sys_user_role" r ON r.sys_id = h."role"
         WHERE h."user" = ? AND (h.state IS NULL OR h.state = 'active') AND r.name IS NOT NULL`,
      )
      .all(userSysId) as Array<{ name: string }>;
    return new Set(rows.map((r) => r.name));
  }

  roleSysId(name: string): string | null {
    const row = this.ctx.store.prepare(`SELECT sys_id FROM "sys_user_role" WHERE name = ? LIMIT 1`).get(name) as { sys_id: string } | undefined;
    return row?.sys_id ?? null;
  }

  /** Rebuilds the group-granted and inherited rows of one user from the direct grants and groups. */
  recomputeUser(userSysId: string): void {
    const store = this.ctx.store;
    const contains = this.containmentMap();
    const existing = store
      .prepare(`SELECT sys_id, "role", inherited, granted_by, included_in_role FROM "sys_user_has_role" WHERE "user" = ?`)
      .all(userSysId) as HasRoleRow[];
    // Sources: direct grants and group grants.
    const sources: Array<{ role: string; grantedBy: string; instance: string }> = [];
    for (const row of existing) {
      if (row.inherited !== 'true' && !row.granted_by && row.role) sources.push({ role: row.role, grantedBy: '', instance: row.sys_id });
    }
    const groupRoles = store
      .prepare(
        `SELECT gr."group" AS grp, gr."role" AS role FROM "sys_user_grmember" m JOIN "sys_group_has_role" gr ON gr."group" = m."group"
         JOIN "sys_user_group" g ON g.sys_id = m."group" WHERE m."user" = ? AND (g.active IS NULL OR g.active <> 'false')`,
      )
      .all(userSysId) as Array<{ grp: string; role: string }>;
    const desired = new Map<string, { role: string; inherited: boolean; grantedBy: string; includedIn: string }>();
    for (const gr of groupRoles) {
      if (!gr.role) continue;
      desired.set(`G|${gr.grp}|${gr.role}`, { role: gr.role, inherited: false, grantedBy: gr.grp, includedIn: '' });
      sources.push({ role: gr.role, grantedBy: gr.grp, instance: '' });
    }
    for (const source of sources) {
      const seen = new Set<string>([source.role]);
      const queue = [source.role];
      while (queue.length > 0) {
        const role = queue.shift() as string;
        for (const child of contains.get(role) ?? []) {
          desired.set(`I|${source.grantedBy}|${role}|${child}`, { role: child, inherited: true, grantedBy: source.grantedBy, includedIn: role });
          if (!seen.has(child)) {
            seen.add(child);
            queue.push(child);
          }
        }
      }
    }
    const keep = new Set<string>();
    for (const row of existing) {
      if (row.inherited !== 'true' && !row.granted_by) continue; // direct grants are the user's own rows
      const key = row.inherited === 'true' ? `I|${row.granted_by ?? ''}|${row.included_in_role ?? ''}|${row.role}` : `G|${row.granted_by}|${row.role}`;
      if (desired.has(key) && !keep.has(key)) keep.add(key);
      else store.prepare(`DELETE FROM "sys_user_has_role" WHERE sys_id = ?`).run(row.sys_id);
    }
    const now = formatDateTime(this.ctx.now());
    const insert = store.prepare(`INSERT INTO "sys_user_has_role" (sys_id, "user", "role", inherited, granted_by, included_in_role, state,
        sys_created_on, sys_created_by, sys_updated_on, sys_updated_by, sys_mod_count) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, 'system', ?, 'system', '0')`);
    for (const [key, row] of desired) {
      if (keep.has(key)) continue;
      insert.run(newSysId(), userSysId, row.role, String(row.inherited), row.grantedBy || null, row.includedIn || null, now, now);
    }
  }

  recomputeGroupMembers(groupSysId: string): void {
    const members = this.ctx.store.prepare(`SELECT DISTINCT "user" AS u FROM "sys_user_grmember" WHERE "group" = ?`).all(groupSysId) as Array<{ u: string | null }>;
    for (const m of members) if (m.u) this.recomputeUser(m.u);
  }

  /** After containment changed: every user holding any role. */
  recomputeAllUsers(): void {
    const users = this.ctx.store
      .prepare(
        `SELECT DISTINCT "user" AS u FROM "sys_user_has_role" UNION SELECT DISTINCT m."user" FROM "sys_user_grmember" m JOIN "sys_group_has_role" g ON g."group" = m."group"`,
      )
      .all() as Array<{ u: string | null }>;
    for (const u of users) if (u.u) this.recomputeUser(u.u);
  }

  /** Remembers a grant of a role that does not exist yet (shipped by an app installed later). */
  addPendingGrant(userName: string, roleName: string): void {
    this.ctx.pending.add(userName, roleName);
  }

  pendingGrants(): Array<{ userName: string; roleName: string }> {
    return this.ctx.pending.list();
  }

  /**
   * Grants pending roles that now exist (called when a role is created; the app installer may call it
   * after an install). Returns how many grants were made.
   */
  applyPendingGrants(): number {
    let granted = 0;
    for (const pending of this.pendingGrants()) {
      if (this.roleSysId(pending.roleName) === null) continue;
      const user = this.ctx.store.prepare(`SELECT sys_id FROM "sys_user" WHERE user_name = ? LIMIT 1`).get(pending.userName) as { sys_id: string } | undefined;
      if (user) {
        this.grantRole(user.sys_id, pending.roleName);
        granted++;
      }
      this.ctx.pending.remove(pending.userName, pending.roleName);
    }
    return granted;
  }

  /** Grants a role directly to a user (no-op when already granted directly). */
  grantRole(userSysId: string, roleName: string): void {
    const roleId = this.roleSysId(roleName);
    if (!roleId) throw new IncidentSnError(`role ${roleName} does not exist`, { code: 'instance_role_missing' });
    const exists = this.ctx.store
      .prepare(`SELECT 1 FROM "sys_user_has_role" WHERE "user" = ? AND "role" = ? AND (inherited IS NULL OR inherited <> 'true') AND granted_by IS NULL`)
      .get(userSysId, roleId);
    if (exists) return;
    this.ctx.insertDirectGrant(userSysId, roleId);
  }

  private containmentMap(): Map<string, string[]> {
    const rows = this.ctx.store.prepare(`SELECT "role" AS role, "contains" AS c FROM "sys_user_role_contains"`).all() as Array<{ role: string | null; c: string | null }>;
    const map = new Map<string, string[]>();
    for (const r of rows) {
      if (!r.role || !r.c) continue;
      const list = map.get(r.role) ?? [];
      list.push(r.c);
      map.set(r.role, list);
    }
    return map;
  }
}
