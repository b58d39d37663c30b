import { IncidentSnError } from '../../shared/errors';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** The special path that asks for a throw-away database. */
export const MEMORY_DB = ':memory:';

export interface OpenedDatabase {
  db: SqliteDatabase;
  /** The real file on disk: pass it to another thread so it opens the same database. */
  file: string;
  /** True when the file is a private temporary one (from `:memory:`), deleted by `close()`. */
  temporary: boolean;
  /** How long a writer waits for the lock another connection holds (ms). */
  busyTimeoutMs: number;
  close(): void;
}

/**
 * A `:memory:` path becomes a private temporary FILE, not an SQLite in-memory database: an in-memory
 * database is visible to one connection only, while the runtime's worker threads open their own
 * connection on the same database. The file lives in its own temporary folder, removed by the owner's
 * `close()` (the connection that created it).
 */
export function createTemporaryDatabaseFile(): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-sn-instance-'));
  return { file: path.join(dir, 'instance.db'), dir };
}

export interface OpenDatabaseOptions {
  /** Milliseconds a writer waits for the lock held by another connection (another thread). */
  busyTimeoutMs?: number;
  /** Do not create the file: fail if it does not exist (worker threads opening the owner's database). */
  mustExist?: boolean;
}

/** Opens (or creates) the instance database with the settings every connection must use. */
export function openDatabase(dbPath: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  let file = dbPath;
  let tempDir: string | null = null;
  if (dbPath === MEMORY_DB) {
    const temp = createTemporaryDatabaseFile();
    file = temp.file;
    tempDir = temp.dir;
  } else {
    file = path.resolve(dbPath);
    if (!options.mustExist) fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  const db = new Database(file, { fileMustExist: options.mustExist ?? false });
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000));
  configureConnection(db, busyTimeoutMs);
  let closed = false;
  return {
    db,
    file,
    busyTimeoutMs,
    temporary: tempDir !== null,
    close() {
      if (closed) return;
      closed = true;
      if (db.open) db.close();
      if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

function configureConnection(db: SqliteDatabase, busyTimeoutMs: number): void {
  // WAL lets readers in other threads proceed while one writer writes; busy_timeout makes a second
  // writer wait for the lock instead of failing with SQLITE_BUSY.
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = OFF');
  db.pragma('temp_store = MEMORY');
}

/** Quotes an SQL identifier that has already been checked by `isSafeIdentifier`. */
export function quoteIdentifier(name: string): string {
  if (!isSafeIdentifier(name)) throw new IncidentSnError(`unsafe SQL identifier: ${JSON.stringify(name)}`, { code: 'sql_identifier_unsafe' });
  return `"${name}"`;
}

/** Table and column names the instance accepts: lower-case letters, digits and underscores. */
export function isSafeIdentifier(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,79}$/.test(name) && !name.startsWith('sqlite_');
}
