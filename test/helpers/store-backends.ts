import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { MigrationProvider } from 'kysely';
import pg from 'pg';
import { openPostgresStore, openSqliteStore, SECRET_KEY_ENV, type OpenedCompanionStore } from '../../src/companion/store';
import { INSTALL_HINT, TEST_PG_MISSING_ENV, TEST_PG_URL_ENV } from '../../fixtures/postgres-cluster';

/**
 * The store and sync suites run once per backend: `describe.each(STORE_BACKENDS)`. The PostgreSQL
 * runs use a fresh database per call of createTestDatabase() on the run's server (global-setup.ts),
 * and fail with what to install when there is none.
 */

export type BackendName = 'sqlite' | 'postgres';
export const STORE_BACKENDS: readonly BackendName[] = ['sqlite', 'postgres'];

/** The key PostgreSQL stores get when the test gives none (every replica needs the same one). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** The run's admin URL, or an error saying what to install. */
export function postgresAdminUrl(): string {
  const url = process.env[TEST_PG_URL_ENV];
  if (url) return url;
  const reason = process.env[TEST_PG_MISSING_ENV];
  throw new Error(`No PostgreSQL server for the PostgreSQL suites${reason ? ` (${reason})` : ''}. ${INSTALL_HINT}`);
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the run's server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `incident_sn_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export interface TestStoreOptions {
  /** SQLite: the folder of companion.db. */
  dir: string;
  /** PostgreSQL: the database (default: a new one, dropped when the store closes). */
  database?: TestDatabase;
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  migrations?: MigrationProvider;
}

export type TestStore = OpenedCompanionStore & {
  /** The store's table names, sorted. */
  readonly tables: () => Promise<string[]>;
  /** Runs SQL (`?` for each parameter) on the database behind the store's back (another connection), returning the rows. */
  readonly query: (text: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>;
};

async function rawQuery(store: OpenedCompanionStore, url: string | undefined, text: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  if (store.backend === 'sqlite') {
    const db = new Database(store.file);
    try {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all(...params) as Array<Record<string, unknown>>;
      statement.run(...params);
      return [];
    } catch (err) {
      // better-sqlite3's native part is loaded once per process and keeps the SqliteError class of
      // the first test file that loaded it; in a later file of the same jest worker that class is
      // another realm's, which jest's `rejects.toThrow` does not take for an error ("did not throw").
      // Thrown again as this realm's Error, with the same message and code.
      const { message, code } = err as { message?: unknown; code?: unknown };
      throw Object.assign(new Error(String(message ?? err), { cause: err }), { code });
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

/** The store's table names, sorted, read straight from the database's catalog. */
async function tableNames(store: OpenedCompanionStore, url: string | undefined): Promise<string[]> {
  if (store.backend === 'sqlite') {
    const db = new Database(store.file, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name COLLATE \"C\"");
    return result.rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

/** Opens the companion store on `backend`; close() also drops a database it created. */
export async function openTestStore(backend: BackendName, options: TestStoreOptions): Promise<TestStore> {
  const store = await openBackend(backend, options);
  const url = backend === 'postgres' ? (options.database?.url ?? (store as { testDatabaseUrl?: string }).testDatabaseUrl) : undefined;
  return Object.assign(store, { tables: () => tableNames(store, url), query: (text: string, ...params: unknown[]) => rawQuery(store, url, text, params) });
}

async function openBackend(backend: BackendName, options: TestStoreOptions): Promise<OpenedCompanionStore> {
  const extra = { ...(options.clock ? { clock: options.clock } : {}), ...(options.migrations ? { migrations: options.migrations } : {}) };
  if (backend === 'sqlite') return openSqliteStore({ file: path.join(options.dir, 'companion.db'), env: options.env ?? {}, ...extra });
  const database = options.database ?? (await createTestDatabase());
  const env = options.env ?? { [SECRET_KEY_ENV]: TEST_SECRET_KEY };
  let store: OpenedCompanionStore;
  try {
    store = await openPostgresStore({ url: database.url, env, poolSize: 4, ...extra });
  } catch (err) {
    if (!options.database) await database.drop();
    throw err;
  }
  if (options.database) return store;
  const close = store.close.bind(store);
  return Object.assign(store, {
    testDatabaseUrl: database.url,
    close: async () => {
      await close();
      await database.drop();
    },
  });
}
