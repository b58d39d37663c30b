import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type MigrationProvider } from 'kysely';
import type { CompanionStore } from './companion-store';
import type { CommitDurability } from './backend';
import { StoreOpenError } from './errors';
import { withStatementCache } from './statement-cache';
import { KyselyCompanionStore } from './kysely-store';
import { migrateToLatest } from './migrations';
import type { CompanionDatabase } from './schema';
import { SecretBox } from './secret-box';
import { KEY_FILE_NAME, loadSecretKey } from './secret-key';

/** The database file when neither --db nor INCIDENT_SN_DB says otherwise (relative to the working directory). */
export const DEFAULT_DB_FILE = path.join('.data', 'companion.db');
export const DB_FILE_ENV = 'INCIDENT_SN_DB';

export interface OpenSqliteStoreOptions {
  /** The database file; default `.data/companion.db`. Its folder is created (mode 0700) if missing. */
  file?: string;
  /** Where INCIDENT_SN_SECRET_KEY is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
  clock?: () => Date;
  /** Tests replace the migrations to simulate an older or newer companion. */
  migrations?: MigrationProvider;
  /** Default `full`; `relaxed` only for a connection whose lost commits are redone (the catalog importer's). */
  commitDurability?: CommitDurability;
}

export interface SqliteCompanionStore extends CompanionStore {
  readonly backend: 'sqlite';
  /** The database file, absolute. */
  readonly file: string;
  /** The same file: where the store is, for messages (a PostgreSQL store's is its URL without the password). */
  readonly location: string;
  /** Where the encryption key came from, and its (non-secret) id. */
  readonly key: { source: 'env' | 'file'; file?: string; created: boolean; id: string };
}

/**
 * The catalog importer's own connection (the only `relaxed` one) writes pages of random sys_ids
 * into a large index, so nearly every row dirties a page of its own. A CPU profile (perf) of those
 * writes at 100,000 CIs: 18 % copying pages into the statement journal (a temporary file, for the
 * multi-row upserts) and 16 % checkpoints (each copies the WAL into the database and fsyncs it,
 * every 1,000 WAL pages: every two or three pages of the import). So on this connection only: the
 * statement journal in memory (about a megabyte per statement, freed after it), a checkpoint every
 * 10,000 WAL pages (a page written several times between checkpoints is copied once), and the WAL
 * file cut back to 4 MB after each. The page cache stays this build's 16 MB (a bound: peak RSS does
 * not grow with the catalog). Where `serve` shares the file, its commits still checkpoint at 1,000.
 */
function tuneForBulkWrites(sqlite: Database.Database): void {
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('wal_autocheckpoint = 10000');
  sqlite.pragma(`journal_size_limit = ${4 * 1024 * 1024}`);
}

/**
 * Opens (creating if needed) the companion's SQLite database: loads the encryption key first, so a
 * bad key stops everything before the database is touched, then brings the schema up to date.
 */
export async function openSqliteStore(options: OpenSqliteStoreOptions = {}): Promise<SqliteCompanionStore> {
  const file = path.resolve(options.file ?? DEFAULT_DB_FILE);
  const folder = path.dirname(file);
  try {
    fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StoreOpenError(`Cannot create the folder ${folder} for the companion database: ${(err as Error).message}`, { cause: err });
  }
  const key = loadSecretKey({ env: options.env ?? process.env, keyFile: path.join(folder, KEY_FILE_NAME) });
  const box = new SecretBox(key.key);

  const isNew = !fs.existsSync(file);
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    // Always said explicitly: this SQLite build opens a file already in WAL mode with NORMAL
    // (SQLITE_DEFAULT_WAL_SYNCHRONOUS=1), so without it only a new file would get FULL.
    sqlite.pragma(options.commitDurability === 'relaxed' ? 'synchronous = NORMAL' : 'synchronous = FULL');
    if (options.commitDurability === 'relaxed') tuneForBulkWrites(sqlite);
  } catch (err) {
    throw new StoreOpenError(`Cannot open the companion database ${file}: ${(err as Error).message}`, { cause: err });
  }
  // Secrets are encrypted, but names, users and URLs are nobody else's business either.
  if (isNew && process.platform !== 'win32') fs.chmodSync(file, 0o600);

  const db = new Kysely<CompanionDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrateToLatest(db, options.migrations);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const store = new KyselyCompanionStore(db, box, options.clock);
  return Object.assign(store, {
    backend: 'sqlite' as const,
    file,
    location: file,
    key: { source: key.source, ...(key.file ? { file: key.file } : {}), created: key.created, id: box.keyId },
  });
}
