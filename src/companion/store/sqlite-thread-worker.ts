/**
 * The thread side of SqliteThread (sqlite-thread.ts): opens the file, applies the pragmas, then runs
 * each statement or transaction it is sent, keeping prepared statements by SQL text (least recently
 * used out first). A real module file, started with startModuleWorker, so whatever compiles the
 * sources compiles it too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface SqliteWorkerData {
  file: string;
  pragmas: string[];
  maxStatements: number;
  /** How long a transaction waits for the write lock. */
  lockWaitMs: number;
}

interface Statement {
  sql: string;
  params: unknown[];
  ifUnchanged?: { sql: string; params: unknown[] };
}

type Message = { close: true } | { id: number; tx: Statement[] } | { id: number; sql: string; params: unknown[] };

const data = workerData as SqliteWorkerData;
const port = parentPort!;

function describe(err: unknown): { message: string; code?: string; name?: string } {
  const e = err as { message?: unknown; code?: unknown; name?: unknown } | null;
  return { message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined, name: typeof e?.name === 'string' ? e.name : undefined };
}

/** Blobs cross the thread boundary as Uint8Array; the driver binds Buffers. */
function toDriver(v: unknown): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

let db: Database.Database | undefined;
try {
  db = new Database(data.file);
  for (const pragma of data.pragmas) db.pragma(pragma);
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: describe(err) });
  db = undefined;
}

const cache = new Map<string, Database.Statement>();
function prepare(conn: Database.Database, sql: string): Database.Statement {
  const cached = cache.get(sql);
  if (cached && !cached.busy) {
    cache.delete(sql);
    cache.set(sql, cached);
    return cached;
  }
  const statement = conn.prepare(sql);
  cache.set(sql, statement);
  if (cache.size > data.maxStatements) cache.delete(cache.keys().next().value!);
  return statement;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Waits for the write lock in steps of 0.2 ms (SQLite's own busy handler sleeps 1, 2, 5, 10… ms). */
function beginImmediate(conn: Database.Database): void {
  const deadline = Date.now() + data.lockWaitMs;
  for (;;) {
    try {
      conn.exec('begin immediate');
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(sleeper, 0, 0, 0.2);
    }
  }
}

function transaction(conn: Database.Database, statements: Statement[]): Array<{ changes: number; rows?: unknown[] }> {
  beginImmediate(conn);
  try {
    const results = statements.map((s) => {
      const r = prepare(conn, s.sql).run(s.params.map(toDriver));
      if (r.changes === 0 && s.ifUnchanged) return { changes: 0, rows: prepare(conn, s.ifUnchanged.sql).all(s.ifUnchanged.params.map(toDriver)) };
      return { changes: r.changes };
    });
    conn.exec('commit');
    return results;
  } catch (err) {
    if (conn.inTransaction) conn.exec('rollback');
    throw err;
  }
}

const conn = db;
if (conn) {
  port.on('message', (m: Message) => {
    if ('close' in m) {
      try {
        conn.close();
      } catch {
        // Closing is the last thing this thread does; there is no one left to tell.
      }
      port.close();
      return;
    }
    try {
      if ('tx' in m) {
        port.postMessage({ id: m.id, results: transaction(conn, m.tx) });
        return;
      }
      const statement = prepare(conn, m.sql);
      const params = m.params.map(toDriver);
      if (statement.reader) port.postMessage({ id: m.id, rows: statement.all(params) });
      else {
        const r = statement.run(params);
        port.postMessage({ id: m.id, changes: r.changes, lastInsertRowid: r.lastInsertRowid });
      }
    } catch (err) {
      port.postMessage({ id: m.id, error: describe(err) });
    }
  });
}
