import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, type Dialect, type MigrationProvider } from 'kysely';
import type { CompanionStore } from './companion-store';
import type { CommitDurability } from './backend';
import { StoreOpenError } from './errors';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect';
import { SqliteThread, SqliteThreadDialect } from './sqlite-thread';
import { withStatementCache } from './statement-cache';
import { KyselyCompanionStore } from './kysely-store';
import type { TransactionJobRunner } from './kysely-sync-store';
import type { TransactionJob } from './sync-store';
import { SqliteInboundWriter } from './sqlite-inbound-writer';
import { WriteTurns } from './write-turns';
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
  /**
   * Run the connection on its own worker thread (SqliteThread), so no query or commit blocks the
   * event loop: the companion's server does. Default false: a command runs one thing at a time.
   */
  ownThread?: boolean;
}

export interface SqliteCompanionStore extends CompanionStore {
  readonly backend: 'sqlite';
  /** The database file, absolute. */
  readonly file: string;
  /** The same file: where the store is, for messages (a PostgreSQL store's is its URL without the password). */
  readonly location: string;
  /** Where the encryption key came from, and its (non-secret) id. */
  readonly key: { source: 'env' | 'file'; file?: string; created: boolean; id: string };
  /** The connection's own thread, when opened with ownThread (its deaths are counted there). */
  readonly thread?: SqliteThread;
  /** The thread of the received pushes' own connection (`ingest`), when opened with ownThread. */
  readonly ingestThread?: SqliteThread;
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
const BULK_WRITE_PRAGMAS = ['temp_store = MEMORY', 'wal_autocheckpoint = 10000', `journal_size_limit = ${4 * 1024 * 1024}`];

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
  const pragmas = [
    'journal_mode = WAL',
    'busy_timeout = 5000',
    'foreign_keys = ON',
    // Always said explicitly: this SQLite build opens a file already in WAL mode with NORMAL
    // (SQLITE_DEFAULT_WAL_SYNCHRONOUS=1), so without it only a new file would get FULL.
    options.commitDurability === 'relaxed' ? 'synchronous = NORMAL' : 'synchronous = FULL',
    ...(options.commitDurability === 'relaxed' ? BULK_WRITE_PRAGMAS : []),
  ];
  let dialect: Dialect;
  let thread: SqliteThread | undefined;
  let sqlite: Database.Database | undefined;
  // The order of the two connections' writes (the store's and the pushes'), with ownThread.
  const turns = new WriteTurns();
  try {
    if (options.ownThread) {
      thread = await SqliteThread.open({ file, pragmas });
      dialect = new SqliteThreadDialect(thread, turns);
    } else {
      const connection = new Database(file);
      sqlite = connection;
      for (const pragma of pragmas) connection.pragma(pragma);
      // Transactions begin IMMEDIATE on both kinds of connection: see ImmediateSqliteDialect.
      dialect = new ImmediateSqliteDialect({ database: withStatementCache(connection) });
    }
  } catch (err) {
    throw new StoreOpenError(`Cannot open the companion database ${file}: ${(err as Error).message}`, { cause: err });
  }
  // Secrets are encrypted, but names, users and URLs are nobody else's business either.
  if (isNew && process.platform !== 'win32') fs.chmodSync(file, 0o600);

  const db = new Kysely<CompanionDatabase>({ dialect });
  try {
    await migrateToLatest(db, options.migrations);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  // Transaction jobs run whole on the store's thread: on the one connection (whoever holds it goes
  // first), in the store's write turn (see WriteTurns), one message each.
  const jobRunner: TransactionJobRunner | undefined = thread
    ? <I, O>(job: TransactionJob<I, O>, input: I) =>
        db.connection().execute(async () => {
          const endTurn = await turns.take('transaction');
          try {
            return (await thread!.job(job.module, job.name, input, job.keptInputs)) as O;
          } finally {
            endTurn();
          }
        })
    : undefined;
  const store = new KyselyCompanionStore(db, box, options.clock, undefined, jobRunner);
  // The catalog's pages are written with single-row statements on the connection itself, when it
  // runs on this thread (import-catalog's): see KyselyCatalogStore.useSqliteConnection.
  if (sqlite) store.catalog.useSqliteConnection(sqlite);
  let ingest: SqliteInboundWriter | undefined;
  let ingestThread: SqliteThread | undefined;
  if (thread) {
    // Received pushes get a connection (and thread) of their own, so their commits never queue
    // behind the workers' transactions on the store's connection. WAL lets both write, one at a time.
    // It waits for the write lock itself, in short steps (SqliteThread.transaction), not with
    // SQLite's busy handler, whose sleeps grow to tens of milliseconds.
    const ingestPragmas = pragmas.map((p) => (p.startsWith('busy_timeout') ? 'busy_timeout = 0' : p));
    try {
      ingestThread = await SqliteThread.open({ file, pragmas: ingestPragmas });
    } catch (err) {
      await db.destroy();
      throw new StoreOpenError(`Cannot open the companion database ${file}: ${(err as Error).message}`, { cause: err });
    }
    ingest = new SqliteInboundWriter(ingestThread, db, turns);
    const close = store.close.bind(store);
    const closeIngest = ingestThread.close.bind(ingestThread);
    store.close = async () => {
      await Promise.all([close(), closeIngest()]);
    };
  }
  return Object.assign(store, {
    backend: 'sqlite' as const,
    file,
    location: file,
    key: { source: key.source, ...(key.file ? { file: key.file } : {}), created: key.created, id: box.keyId },
    ...(thread ? { thread } : {}),
    ...(ingest ? { ingest, ingestThread } : {}),
  });
}
