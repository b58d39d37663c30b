/**
 * The companion's storage. Open it with openSqliteStore(); use it through the CompanionStore interface.
 */
export type {
  CheckStatus,
  CompanionStore,
  Connection,
  ConnectionCheck,
  ConnectionInput,
  ConnectionMode,
  ConnectionSummary,
  SavedConnection,
} from './companion-store';
export { Secret, sameSecret } from './secret';
export { SecretBox, keyIdOf, KEY_BYTES } from './secret-box';
export { loadSecretKey, SECRET_KEY_ENV, KEY_FILE_NAME, type LoadedSecretKey } from './secret-key';
export { KyselyCompanionStore, CONNECTION_NAME } from './kysely-store';
export { openSqliteStore, DEFAULT_DB_FILE, DB_FILE_ENV, type OpenSqliteStoreOptions, type SqliteCompanionStore } from './open-sqlite-store';
export { MIGRATIONS, StaticMigrationProvider, migrateToLatest } from './migrations';
export * from './errors';
export type { UserStore, WebUser, WebSession, NewWebSession } from './user-store';
export {
  openPostgresStore,
  parseDatabaseUrl,
  describeDatabaseUrl,
  DATABASE_URL_ENV,
  DB_POOL_SIZE_ENV,
  DEFAULT_POOL_SIZE,
  type OpenPostgresStoreOptions,
  type PostgresCompanionStore,
} from './open-postgres-store';
export { openStore, databaseUrlOf, type OpenStoreOptions, type OpenedCompanionStore } from './open-store';
export { SQLITE_BACKEND, POSTGRES_BACKEND, isStoreUnavailable, type CommitDurability, type StoreBackend } from './backend';
