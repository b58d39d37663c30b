import { DATABASE_URL_ENV, openPostgresStore, type PostgresCompanionStore } from './open-postgres-store';
import { openSqliteStore, type OpenSqliteStoreOptions, type SqliteCompanionStore } from './open-sqlite-store';

export type OpenedCompanionStore = SqliteCompanionStore | PostgresCompanionStore;

export interface OpenStoreOptions extends OpenSqliteStoreOptions {
  /** A postgres:// URL selects PostgreSQL; default `env.DATABASE_URL`; when neither is set, the SQLite `file`. */
  databaseUrl?: string;
  /** PostgreSQL only: connections in this process's pool. */
  poolSize?: number;
}

/** The PostgreSQL URL from --database-url, else DATABASE_URL; undefined means SQLite. Blank counts as not given. */
export function databaseUrlOf(flagValue: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  for (const value of [flagValue, env[DATABASE_URL_ENV]]) {
    if (value !== undefined && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** Opens the store every command uses: PostgreSQL when a database URL is given, else the SQLite file. */
export async function openStore(options: OpenStoreOptions = {}): Promise<OpenedCompanionStore> {
  const env = options.env ?? process.env;
  const url = databaseUrlOf(options.databaseUrl, env);
  if (url !== undefined) {
    return openPostgresStore({
      url,
      env,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.migrations ? { migrations: options.migrations } : {}),
      ...(options.poolSize !== undefined ? { poolSize: options.poolSize } : {}),
      ...(options.commitDurability !== undefined ? { commitDurability: options.commitDurability } : {}),
    });
  }
  return openSqliteStore(options);
}
