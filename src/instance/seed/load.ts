import type { InstanceEngine, WriteOptions } from '../records/engine';
import type { Session } from '../records/session';
import { isSysId, toStringValue } from '../records/values';
import { hashPassword } from '../security/passwords';
import { SeedError } from './source';
import type { Seed } from './types';

const SEEDED_KEY = 'seed_applied_at';

export function isSeeded(engine: InstanceEngine): boolean {
  return Boolean(engine.meta.get(SEEDED_KEY));
}

/**
 * Loads a seed into a new instance, once: a database that was already seeded is left alone (so a
 * file database keeps its data across restarts). Runs as the system, without business rules, in one
 * transaction: a seed error leaves the database unseeded. Returns whether it loaded anything.
 */
export async function applySeed(engine: InstanceEngine, seed: Seed): Promise<boolean> {
  if (isSeeded(engine)) return false;
  const hashes = new Map<string, string>();
  await Promise.all(
    seed.users.map(async (u) => {
      if (u.password !== undefined) hashes.set(u.user_name, await hashPassword(u.password));
    }),
  );
  const system = engine.systemSession();
  const opts: WriteOptions = { session: system, runBusinessRules: false };
  const idOf = (table: string, key: string, what: string): string => {
    const id = engine.lookupReference(table, key, true);
    if (!id) throw new SeedError(`seed: ${what}: no ${table} record '${key}'`, { code: 'invalid_seed' });
    return id;
  };
  const roleId = (name: string, what: string): string => idOf('sys_user_role', name, what);

  engine.transaction(() => {
    for (const p of seed.properties) {
      const extra: Record<string, string> = {};
      if (p.description) extra.description = p.description;
      if (p.read_roles) extra.read_roles = p.read_roles;
      if (p.write_roles) extra.write_roles = p.write_roles;
      engine.setProperty(p.name, p.value, p.type ?? 'string', extra);
    }
    for (const r of seed.roles) {
      if (engine.lookupReference('sys_user_role', r.name, true)) continue;
      engine.insert('sys_user_role', { name: r.name, description: r.description ?? '', elevated_privilege: r.elevated_privilege ?? false }, opts);
    }
    for (const r of seed.roles) {
      for (const contained of r.contains ?? []) {
        engine.insert('sys_user_role_contains', { role: roleId(r.name, `role ${r.name}`), contains: roleId(contained, `role ${r.name} contains`) }, opts);
      }
    }
    for (const u of seed.users) {
      const values: Record<string, unknown> = {
        user_name: u.user_name,
        first_name: u.first_name ?? '',
        last_name: u.last_name ?? '',
        email: u.email ?? '',
        title: u.title ?? '',
        department: u.department ?? '',
        active: u.active ?? true,
        locked_out: u.locked_out ?? false,
        web_service_access_only: u.web_service_access_only ?? false,
      };
      const hash = hashes.get(u.user_name);
      if (hash) values.user_password = hash;
      if (!u.first_name && !u.last_name) values.name = u.user_name;
      engine.insert('sys_user', values, opts);
    }
    for (const g of seed.groups) {
      const group = engine.insert(
        'sys_user_group',
        { name: g.name, description: g.description ?? '', email: g.email ?? '', manager: g.manager ? idOf('sys_user', g.manager, `group ${g.name} manager`) : '' },
        opts,
      );
      for (const member of g.members ?? []) {
        engine.insert('sys_user_grmember', { user: idOf('sys_user', member, `group ${g.name} member`), group: group.sysId }, opts);
      }
      for (const role of g.roles ?? []) {
        engine.insert('sys_group_has_role', { group: group.sysId, role: roleId(role, `group ${g.name} role`) }, opts);
      }
    }
    for (const u of seed.users) {
      const userId = idOf('sys_user', u.user_name, `user ${u.user_name}`);
      for (const role of u.roles ?? []) {
        // A role an app ships does not exist before the app is installed: grant it when it is created.
        if (engine.lookupReference('sys_user_role', role, true)) engine.roles.grantRole(userId, role);
        else engine.roles.addPendingGrant(u.user_name, role);
      }
    }
    for (const c of seed.oauthClients) {
      engine.insert(
        'oauth_entity',
        {
          name: c.name,
          client_id: c.client_id,
          client_secret: c.client_secret,
          type: 'client',
          active: c.active ?? true,
          access_token_lifespan: c.access_token_lifespan ?? 1800,
          refresh_token_lifespan: c.refresh_token_lifespan ?? 8640000,
        },
        opts,
      );
    }
    for (const a of seed.acls) {
      const acl = engine.insert(
        'sys_security_acl',
        {
          name: a.name,
          operation: a.operation,
          type: a.type ?? 'record',
          decision_type: a.decision_type ?? 'allow',
          admin_overrides: a.admin_overrides ?? true,
          condition: a.condition ?? '',
          active: a.active ?? true,
          description: a.description ?? '',
        },
        opts,
      );
      for (const role of a.roles ?? []) {
        engine.insert('sys_security_acl_role', { sys_security_acl: acl.sysId, sys_user_role: roleId(role, `ACL ${a.operation} ${a.name}`) }, opts);
      }
    }
    for (const r of seed.rateLimits) {
      engine.insert(
        'sys_rate_limit_rules',
        {
          name: r.name,
          type: r.type,
          user: r.user ? idOf('sys_user', r.user, `rate limit ${r.name}`) : '',
          role: r.role ? roleId(r.role, `rate limit ${r.name}`) : '',
          rate_limit: r.rate_limit,
          active: r.active ?? true,
          http_method: r.http_method ?? '',
          rest_api: r.rest_api ?? '',
        },
        opts,
      );
    }
    seed.records.forEach((record, i) => {
      const what = `records[${i}] (${record.table})`;
      if (!engine.hasTable(record.table)) throw new SeedError(`seed: ${what}: no table ${record.table}`, { code: 'invalid_seed' });
      const meta = engine.tableMeta(record.table);
      const values: Record<string, string> = {};
      for (const [field, raw] of Object.entries(record.values)) {
        const column = meta.columns.get(field);
        if (!column) throw new SeedError(`seed: ${what}: no column ${field}`, { code: 'invalid_seed' });
        const text = toStringValue(raw);
        values[field] = column.type === 'reference' && column.reference && text && !isSysId(text) ? idOf(column.reference, text, `${what}.${field}`) : text;
      }
      const author: Session = record.as ? (engine.sessionForUser(record.as) ?? fail(`${what}: no user ${record.as}`)) : (engine.sessionForUser('admin') ?? system);
      const created = engine.insert(record.table, values, { ...opts, session: author, allowSystemFields: true });
      for (const entry of record.journal ?? []) {
        engine.insert(
          'sys_journal_field',
          {
            element: entry.element,
            element_id: created.sysId,
            name: created.table,
            value: entry.value,
            sys_created_by: entry.by ?? author.userName,
            sys_updated_by: entry.by ?? author.userName,
            ...(entry.at ? { sys_created_on: entry.at, sys_updated_on: entry.at } : {}),
          },
          { ...opts, allowSystemFields: true },
        );
      }
    });
    engine.meta.set(SEEDED_KEY, new Date(engine.now()).toISOString());
  });
  return true;
}

function fail(message: string): never {
  throw new SeedError(`seed: ${message}`, { code: 'invalid_seed' });
}
