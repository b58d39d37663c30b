/**
 * The thread side of SqliteThread (sqlite-thread.ts): opens the file, applies the pragmas, then runs
 * each statement or transaction it is sent, keeping prepared statements by SQL text (least recently
 * used out first). A real module file, started with startModuleWorker, so whatever compiles the
 * sources compiles it too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { tracePoint } from '../../shared/latency-trace';
import type { CompanionDatabase } from './schema';
import type { SyncRepositories, TransactionJob, TransactionJobTools } from './sync-store';

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

type Message =
  | { close: true }
  | { id: number; stats: true }
  | { id: number; tx: Statement[] }
  | { id: number; job: { module: string; name: string }; input: Record<string, unknown>; kept?: Record<string, { id: number; value?: unknown }> }
  | { id: number; sql: string; params: unknown[] };

/** What this connection did since the thread started (SqliteThread.stats). */
const stats = {
  /** Commits: of transactions, jobs and single writing statements outside a transaction. */
  commits: 0,
  /** Transactions begun by a statement sent alone (`begin…`): they span round trips to the event loop. */
  spanningTransactions: 0,
  /** Transaction jobs run whole here. */
  jobs: 0,
  /** Statements run (each a prepare of the cache, begin and commit aside). */
  statements: 0,
  /** Statements compiled by SQLite (not found in the cache). */
  prepared: 0,
};

const data = workerData as SqliteWorkerData;
const port = parentPort!;

function describe(err: unknown): { message: string; code?: string; name?: string; table?: string; rowId?: string; column?: string } {
  const e = err as { message?: unknown; code?: unknown; name?: unknown; table?: unknown; rowId?: unknown; column?: unknown } | null;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  // table, rowId and column: a StoredDataError's, so the event loop can set the row aside as it would.
  return { message: String(e?.message ?? err), code: text(e?.code), name: text(e?.name), table: text(e?.table), rowId: text(e?.rowId), column: text(e?.column) };
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
  stats.statements++;
  const cached = cache.get(sql);
  if (cached && !cached.busy) {
    cache.delete(sql);
    cache.set(sql, cached);
    return cached;
  }
  const statement = conn.prepare(sql);
  stats.prepared++;
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
    stats.commits++;
    return results;
  } catch (err) {
    if (conn.inTransaction) conn.exec('rollback');
    throw err;
  }
}

/** Kysely over this thread's connection, its queries run synchronously (a job awaits only promises that are already settled). */
let jobRepositories: { repos: SyncRepositories; tools: () => TransactionJobTools } | undefined;
function jobDatabase(conn: Database.Database): { repos: SyncRepositories; tools: () => TransactionJobTools } {
  if (!jobRepositories) {
    // Loaded at the first job only: the pushes' thread (which runs none) starts without them.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Kysely: KyselyClass, SqliteDialect } = require('kysely') as typeof import('kysely');
    const { SQLITE_BACKEND } = require('./backend') as typeof import('./backend');
    const { repositories, savepointTools } = require('./kysely-sync-store') as typeof import('./kysely-sync-store');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const db: Kysely<CompanionDatabase> = new KyselyClass<CompanionDatabase>({ dialect: new SqliteDialect({ database: { close: () => undefined, prepare: (sql: string) => prepare(conn, sql) } }) });
    jobRepositories = { repos: repositories(db, SQLITE_BACKEND), tools: () => savepointTools(db) };
  }
  return jobRepositories;
}

/** Job inputs sent once and kept (SqliteThread.job's `keep`), by input name: the last id and value sent under it. */
const keptInputs = new Map<string, { id: number; value: unknown }>();

/** The job's input with its kept values put back. */
function jobInput(m: { input: Record<string, unknown>; kept?: Record<string, { id: number; value?: unknown }> }): unknown {
  if (!m.kept) return m.input;
  const input = { ...m.input };
  for (const [key, ref] of Object.entries(m.kept)) {
    if ('value' in ref) keptInputs.set(key, { id: ref.id, value: ref.value });
    const held = keptInputs.get(key);
    if (!held || held.id !== ref.id) throw new Error(`the job input ${key} (${ref.id}) was never sent to this thread`);
    input[key] = held.value;
  }
  return input;
}

/** The jobs found so far, by module and name: a require per job went through the module resolver (and the loader's hooks) every time. */
const jobs = new Map<string, TransactionJob<unknown, unknown>>();
function jobOf(module: string, name: string): TransactionJob<unknown, unknown> {
  const key = `${module}\u0000${name}`;
  let job = jobs.get(key);
  if (!job) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const found = (require(module) as Record<string, TransactionJob<unknown, unknown> | undefined>)[name];
    if (!found || typeof found.run !== 'function') throw new Error(`${module} exports no transaction job ${name}`);
    job = found;
    jobs.set(key, job);
  }
  return job;
}

/** A transaction job (TransactionJob), loaded from its module and run whole in one IMMEDIATE transaction. */
async function runJob(conn: Database.Database, m: { job: { module: string; name: string }; input: Record<string, unknown>; kept?: Record<string, { id: number; value?: unknown }> }): Promise<unknown> {
  // First, so kept values sent with this message are held even when the job cannot run.
  const input = jobInput(m);
  const job = jobOf(m.job.module, m.job.name);
  const { repos, tools } = jobDatabase(conn);
  tracePoint('c.tx.received');
  beginImmediate(conn);
  tracePoint('c.tx.locked');
  try {
    const output = await job.run(repos, input, tools());
    tracePoint('c.tx.ran');
    conn.exec('commit');
    tracePoint('c.tx.committed');
    stats.commits++;
    stats.jobs++;
    return output;
  } catch (err) {
    if (conn.inTransaction) conn.exec('rollback');
    throw err;
  }
}

async function handle(conn: Database.Database, m: Message): Promise<void> {
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
    if ('stats' in m) {
      port.postMessage({ id: m.id, stats: { ...stats } });
      return;
    }
    if ('tx' in m) {
      port.postMessage({ id: m.id, results: transaction(conn, m.tx) });
      return;
    }
    if ('job' in m) {
      port.postMessage({ id: m.id, output: await runJob(conn, m) });
      return;
    }
    const statement = prepare(conn, m.sql);
    const params = m.params.map(toDriver);
    const autocommit = !conn.inTransaction;
    if (statement.reader) port.postMessage({ id: m.id, rows: statement.all(params) });
    else {
      const r = statement.run(params);
      port.postMessage({ id: m.id, changes: r.changes, lastInsertRowid: r.lastInsertRowid });
    }
    if (autocommit && conn.inTransaction) stats.spanningTransactions++;
    else if (autocommit && !statement.readonly) stats.commits++;
    else if (!autocommit && !conn.inTransaction && /^\s*commit/i.test(m.sql)) stats.commits++;
  } catch (err) {
    port.postMessage({ id: m.id, error: describe(err) });
  }
}

const conn = db;
if (conn) {
  // One message at a time, in order: a job awaits (settled promises only), and nothing else may run on the connection meanwhile.
  let previous = Promise.resolve();
  port.on('message', (m: Message) => {
    previous = previous.then(() => handle(conn, m));
  });
}
