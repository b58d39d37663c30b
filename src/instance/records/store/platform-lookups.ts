import type { RowStore } from './row-store';

/** A user as authentication reads it. */
export interface UserLogin {
  sys_id: string;
  user_name: string | null;
  active: string | null;
  locked_out: string | null;
  user_password: string | null;
}

/** An OAuth application (oauth_entity) as the token endpoint reads it. */
export interface OAuthClientRow {
  sys_id: string;
  client_secret: string | null;
  active: string | null;
  access_token_lifespan: string | null;
  refresh_token_lifespan: string | null;
}

/** A token (oauth_credential) as the token endpoint reads it. */
export interface OAuthCredentialRow {
  sys_id: string;
  user: string | null;
  token: string | null;
  expires_at_ms: string | null;
  refresh_token: string | null;
}

export type TextRow = Record<string, string | null>;

const USER_LOGIN_COLUMNS = `sys_id, user_name, active, locked_out, user_password`;
const CREDENTIAL_COLUMNS = `sys_id, "user", token, expires_at_ms, refresh_token`;

/**
 * The platform's own reads of its tables for authentication, ACLs, rate limits, sessions and the
 * script runtime: one named, parameterised query each, on the record layer's cached statements. They
 * bypass ACLs and business rules (the platform does not check its own reads) and are not counted as
 * data operations. Code outside the record layer asks these instead of writing SQL.
 */
export class PlatformLookups {
  constructor(private readonly store: RowStore) {}

  /** A user by user_name or sys_id (sessions). */
  userByNameOrId(key: string): { sys_id: string; user_name: string | null; name: string | null } | null {
    const row = this.store.prepare(`SELECT sys_id, user_name, name FROM "sys_user" WHERE user_name = ? OR sys_id = ? LIMIT 1`).get(key, key) as
      | { sys_id: string; user_name: string | null; name: string | null }
      | undefined;
    return row ?? null;
  }

  userLoginById(sysId: string): UserLogin | null {
    return (this.store.prepare(`SELECT ${USER_LOGIN_COLUMNS} FROM "sys_user" WHERE sys_id = ?`).get(sysId) as UserLogin | undefined) ?? null;
  }

  userLoginByName(userName: string): UserLogin | null {
    return (this.store.prepare(`SELECT ${USER_LOGIN_COLUMNS} FROM "sys_user" WHERE user_name = ? LIMIT 1`).get(userName) as UserLogin | undefined) ?? null;
  }

  /** The owner and expiry of an access token, by the token's hash. */
  accessToken(tokenHash: string): { user: string | null; exp: string | null } | null {
    return (
      (this.store
        .prepare(`SELECT "user" AS user, expires_at_ms AS exp FROM "oauth_credential" WHERE token_hash = ? AND type = 'access_token' LIMIT 1`)
        .get(tokenHash) as { user: string | null; exp: string | null } | undefined) ?? null
    );
  }

  /** An OAuth client application by client_id. */
  oauthClient(clientId: string): OAuthClientRow | null {
    return (
      (this.store
        .prepare(
          `SELECT sys_id, client_secret, active, access_token_lifespan, refresh_token_lifespan FROM "oauth_entity" WHERE client_id = ? AND (type IS NULL OR type = 'client') LIMIT 1`,
        )
        .get(clientId) as OAuthClientRow | undefined) ?? null
    );
  }

  /** A token of a client by the token's hash. */
  oauthCredential(tokenHash: string, type: 'access_token' | 'refresh_token', clientSysId: string): OAuthCredentialRow | null {
    return (
      (this.store
        .prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM "oauth_credential" WHERE token_hash = ? AND type = ? AND peer = ? LIMIT 1`)
        .get(tokenHash, type, clientSysId) as OAuthCredentialRow | undefined) ?? null
    );
  }

  oauthCredentialById(sysId: string): OAuthCredentialRow | null {
    return (this.store.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM "oauth_credential" WHERE sys_id = ?`).get(sysId) as OAuthCredentialRow | undefined) ?? null;
  }

  /** The user's access token for a client that expires last. */
  latestAccessToken(userSysId: string, clientSysId: string): OAuthCredentialRow | null {
    return (
      (this.store
        .prepare(
          `SELECT ${CREDENTIAL_COLUMNS} FROM "oauth_credential" WHERE "user" = ? AND peer = ? AND type = 'access_token' ORDER BY CAST(expires_at_ms AS INTEGER) DESC LIMIT 1`,
        )
        .get(userSysId, clientSysId) as OAuthCredentialRow | undefined) ?? null
    );
  }

  /** Active ACL rules. */
  activeAcls(): TextRow[] {
    return this.store
      .prepare(`SELECT sys_id, name, type, operation, decision_type, admin_overrides, condition, script, advanced FROM "sys_security_acl" WHERE active IS NULL OR active <> 'false'`)
      .all() as TextRow[];
  }

  /** Each ACL's required roles, by role name. */
  aclRoleNames(): Array<{ acl: string; role: string | null }> {
    return this.store
      .prepare(`SELECT ar.sys_security_acl AS acl, r.name AS role FROM "sys_security_acl_role" ar JOIN "sys_user_role" r ON r.sys_id = ar.sys_user_role`)
      .all() as Array<{ acl: string; role: string | null }>;
  }

  /** Active rate-limit rules, with their role's name. */
  activeRateLimitRules(): TextRow[] {
    return this.store
      .prepare(
        `SELECT r.sys_id, r.name, r.type, r."user", ro.name AS role_name, r.rate_limit, r.http_method, r.rest_api FROM "sys_rate_limit_rules" r
         LEFT JOIN "sys_user_role" ro ON ro.sys_id = r."role" WHERE r.active IS NULL OR r.active <> 'false'`,
      )
      .all() as TextRow[];
  }

  /** Every script module with a path (what scripts may import), in path order. */
  moduleSources(): Array<{ path: string; content: string | null }> {
    return this.store.prepare(`SELECT path, content FROM "sys_module" WHERE path IS NOT NULL ORDER BY path`).all() as Array<{ path: string; content: string | null }>;
  }

  /** The scope name of a scope sys_id (or of the name itself), null when unknown. */
  scopeName(scopeIdOrName: string): string | null {
    const row = this.store.prepare(`SELECT scope FROM "sys_scope" WHERE sys_id = ? OR scope = ? LIMIT 1`).get(scopeIdOrName, scopeIdOrName) as { scope: string | null } | undefined;
    return row?.scope || null;
  }

  /** A table's "Allow access to this table via web services" (sys_db_object.ws_access); undefined when the table has no record. */
  webServiceAccess(table: string): string | null | undefined {
    const row = this.store.prepare(`SELECT ws_access FROM "sys_db_object" WHERE name = ? LIMIT 1`).get(table) as { ws_access: string | null } | undefined;
    return row ? row.ws_access : undefined;
  }
}
