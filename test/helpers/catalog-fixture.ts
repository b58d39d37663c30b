import type { ResponseEvent, ServiceNowConnectionOptions } from '../../src/companion/client';
import { openCatalogClient, type CatalogClient } from '../../src/companion/catalog';
import { formatServiceNowTime, parseServiceNowTime } from '../../src/companion/catalog/paging';
import { openSqliteStore, Secret, type Connection, type SqliteCompanionStore } from '../../src/companion/store';
import type { StartInstanceOptions } from '../../src/instance';
import { tempDataDir } from './command-io';
import { OAUTH_CLIENT, USERS, startTestInstance, type Credentials, type TestInstance } from './instance';

/**
 * Set-ups for the catalog import tests: a local instance whose CMDB and user tables have distinct,
 * old `sys_updated_on` values (so a re-run's overlap window holds exactly one row per table), a
 * companion store with a connection to it, and a client that counts its requests.
 */

/** The physical tables (hierarchy roots) behind the five catalog tables. */
export const CATALOG_ROOT_TABLES = ['cmdb_ci', 'sys_user', 'sys_user_group', 'sys_user_grmember'] as const;

/** Client settings for tests: quick retries, no waiting on rate limits. */
export const TEST_CLIENT: Partial<ServiceNowConnectionOptions> = {
  connectTimeoutMs: 2_000,
  requestTimeoutMs: 10_000,
  retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 2_000 },
  rateLimit: { maxWaitMs: 0, maxRetries: 0 },
};

/** An instance without the scheduler (the catalog needs no jobs). */
export function startCatalogInstance(options: StartInstanceOptions = {}): Promise<TestInstance> {
  return startTestInstance({ scheduler: false, ...options });
}

/** The order spreadUpdatedOn gives each table's rows: by name, so the newest row of each is known. */
const SPREAD_ORDER: Record<(typeof CATALOG_ROOT_TABLES)[number], string> = {
  cmdb_ci: 'name',
  sys_user: 'user_name',
  sys_user_group: 'name',
  sys_user_grmember: 'sys_id',
};

/**
 * Gives every row of the catalog's tables its own `sys_updated_on`, `stepSeconds` apart, starting
 * `startSecondsAgo` before now, in order of name (CIs and groups; case-insensitive), user name
 * (users) or sys_id (memberships): rows look as if written over days, not seeded in one second.
 * With the default seed the newest rows are then: CI win-ad-01, service Payments, user
 * svc_incident_io, group Service Desk. Returns the newest time given per physical table.
 */
export function spreadUpdatedOn(sn: TestInstance, startSecondsAgo = 3 * 86_400, stepSeconds = 3_600): Record<string, string> {
  const start = sn.engine.now() - startSecondsAgo * 1000;
  const newest: Record<string, string> = {};
  for (const table of CATALOG_ROOT_TABLES) {
    const key = SPREAD_ORDER[table];
    const rows = sn.engine
      .query(table)
      .records.map((r) => ({ sysId: r.sysId, key: (r.values[key] ?? '').toLowerCase() }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    rows.forEach(({ sysId }, i) => {
      const at = formatServiceNowTime(start + i * stepSeconds * 1000);
      sn.engine.update(table, sysId, { sys_updated_on: at }, { allowSystemFields: true, runBusinessRules: false });
      newest[table] = at;
    });
  }
  return newest;
}

/** `YYYY-MM-DD HH:MM:SS` plus (or minus) some seconds. */
export function shiftTime(text: string, seconds: number): string {
  const ms = parseServiceNowTime(text);
  if (ms === undefined) throw new Error(`not a ServiceNow time: ${text}`);
  return formatServiceNowTime(ms + seconds * 1000);
}

export interface CatalogCompanion {
  store: SqliteCompanionStore;
  connection: Connection;
  db: string;
  dir: string;
  close(): Promise<void>;
}

/** A companion store holding a connection to `sn` as `user` (default: the service account). */
export async function companionFor(sn: TestInstance, user: Credentials = USERS.svc, name = 'local'): Promise<CatalogCompanion> {
  const data = tempDataDir();
  const store = await openSqliteStore({ file: data.db, env: {} });
  const { connection } = await store.saveConnection({
    name,
    instanceUrl: sn.url,
    mode: 'polling',
    clientId: OAUTH_CLIENT.id,
    clientSecret: new Secret(OAUTH_CLIENT.secret),
    username: user.user,
    password: new Secret(user.password),
    publicUrl: 'http://127.0.0.1:3000',
    signingSecret: null,
    integrationUser: user.user,
  });
  return {
    store,
    connection,
    db: data.db,
    dir: data.dir,
    close: async () => {
      await store.close();
      data.remove();
    },
  };
}

/** Table API GETs per table, from the client's onResponse hook. */
export class RequestLog {
  readonly events: ResponseEvent[] = [];

  readonly onResponse = (event: ResponseEvent): void => {
    this.events.push(event);
  };

  /** Answered list requests of one table (retries included). */
  listRequests(table: string): number {
    return this.events.filter((e) => e.method === 'GET' && e.path === `/api/now/table/${table}`).length;
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** A client for the connection that records every answered request in `log`. */
export function countingClient(connection: Connection, log: RequestLog, extra: Partial<ServiceNowConnectionOptions> = {}): CatalogClient {
  return openCatalogClient(connection, { ...TEST_CLIENT, onResponse: log.onResponse, ...extra });
}
