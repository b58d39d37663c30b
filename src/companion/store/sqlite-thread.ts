/**
 * The SQLite store's connection on its own thread. better-sqlite3 is synchronous: a query, and a
 * commit's fsync above all (`synchronous = FULL`, a few milliseconds on an ordinary disk), blocks
 * the thread that runs it. On the companion's event loop that stops everything else: no push is
 * read, verified or answered while a commit waits for the disk. Here one worker thread owns the one
 * connection and runs every statement; the event loop posts each query and awaits its result, the
 * same shape as PostgreSQL's asynchronous driver. A commit still returns only once it is on disk,
 * so "answered" still means "stored"; only the waiting moved off the event loop.
 *
 * Kysely runs one transaction at a time on it (as its own SQLite driver does). If the thread dies
 * (a crash of the native driver), every query in flight fails with a StoreThreadError, which the
 * webhook answers with 503 (the app keeps the push and sends it again), and the next query starts a
 * new thread on the same file. SQLite itself drops the dead connection's uncommitted transaction;
 * a transaction begun on the dead thread fails as a whole, never continues on the new one.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from '../../shared/module-worker';
import type { SqliteWorkerData } from './sqlite-thread-worker';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { IncidentSnError } from '../../shared/errors';
import { STORE_THREAD_EXITED } from './backend';
import type { WriteTurns } from './write-turns';

/** The thread stopped (crashed or was closed) while a query needed it; the store is unavailable until it is back. */
export class StoreThreadError extends IncidentSnError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: STORE_THREAD_EXITED, cause: options.cause });
  }
}


interface Reply {
  id: number;
  rows?: Array<Record<string, unknown>>;
  changes?: number;
  lastInsertRowid?: number | bigint;
  results?: TransactionResult[];
  output?: unknown;
  stats?: SqliteThreadStats;
  error?: { message: string; code?: string; name?: string; table?: string; rowId?: string; column?: string };
}

/** What the thread's connection did since the thread started (counted on the thread). */
export interface SqliteThreadStats {
  /** Commits: of transactions, jobs, and single writing statements outside a transaction. */
  commits: number;
  /** Transactions begun by a statement of their own (kysely's): they hold the write lock across round trips to the event loop. */
  spanningTransactions: number;
  /** Transaction jobs run whole on the thread (SqliteThread.job). */
  jobs: number;
  /** Statements run (begin and commit aside): what a hot path costs in round trips to SQLite. */
  statements: number;
  /** Statements SQLite compiled (not found in the thread's statement cache). */
  prepared: number;
}

/** One statement of a transaction run whole on the thread (SqliteThread.transaction). */
export interface TransactionStatement {
  sql: string;
  params: readonly unknown[];
  /** Run (a query) when the statement changed no row: its rows are the result's `rows`. */
  ifUnchanged?: { sql: string; params: readonly unknown[] };
}
export interface TransactionResult {
  changes: number;
  rows?: Array<Record<string, unknown>>;
}

interface Pending {
  resolve: (reply: Reply) => void;
  reject: (err: unknown) => void;
}

export interface SqliteThreadOptions {
  file: string;
  /** Run in order on every new connection (journal mode, busy timeout, foreign keys, synchronous). */
  pragmas: string[];
  maxStatements?: number;
  /** How long SqliteThread.transaction waits for the write lock (default 5 s). */
  lockWaitMs?: number;
}

/**
 * An error the thread reported for one statement or job, with its code (SQLite's:
 * SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY…; or a job's own) and, for a row that cannot be read, the
 * row (table, rowId, column).
 */
export class SqliteStatementError extends IncidentSnError {
  readonly table?: string;
  readonly rowId?: string;
  readonly column?: string;

  constructor(reported: NonNullable<Reply['error']>) {
    super(reported.message, { code: reported.code ?? 'sqlite_error' });
    this.name = reported.name ?? 'SqliteError';
    if (reported.table !== undefined) this.table = reported.table;
    if (reported.rowId !== undefined) this.rowId = reported.rowId;
    if (reported.column !== undefined) this.column = reported.column;
  }
}

/** Rows come back through the structured clone: blobs arrive as Uint8Array, given back as Buffer as better-sqlite3 gives them. */
function fromClone(rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      const v = row[key];
      if (v instanceof Uint8Array && !Buffer.isBuffer(v)) row[key] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  return rows;
}

/** One worker thread at a time owning the connection; started again after it dies. */
export class SqliteThread {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** Incremented for every thread started: a transaction begun on one thread must end on it. */
  generation = 0;
  /** Threads that died unexpectedly since open (for health and tests). */
  deaths = 0;
  /** Ids of the kept job inputs (see job()), by object. */
  private readonly keptIds = new WeakMap<object, number>();
  private nextKeptId = 1;
  /** The kept inputs the live thread holds, by input name: the id it holds under that name. */
  private keptOnThread = new Map<string, number>();
  private keptGeneration = 0;

  private constructor(private readonly options: SqliteThreadOptions) {}

  /** Starts the thread and opens the file; rejects with the driver's error when it cannot be opened. */
  static async open(options: SqliteThreadOptions): Promise<SqliteThread> {
    const thread = new SqliteThread(options);
    await thread.start();
    return thread;
  }

  private start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    if (this.starting) return this.starting;
    this.starting = new Promise<Worker>((resolve, reject) => {
      const workerData: SqliteWorkerData = { file: this.options.file, pragmas: this.options.pragmas, maxStatements: this.options.maxStatements ?? 500, lockWaitMs: this.options.lockWaitMs ?? 5_000 };
      const worker = startModuleWorker(siblingModule(__dirname, __filename, 'sqlite-thread-worker'), { workerData });
      const generation = ++this.generation;
      let ready = false;
      let ended = false;
      worker.on('message', (m: Reply | { ready: boolean; error?: Reply['error'] }) => {
        if ('ready' in m) {
          this.starting = null;
          if (m.ready) {
            ready = true;
            this.worker = worker;
            worker.unref();
            resolve(worker);
          } else {
            reject(new SqliteStatementError(m.error ?? { message: 'the database could not be opened' }));
            void worker.terminate();
          }
          return;
        }
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) worker.unref();
        p.resolve(m);
      });
      const gone = (cause: unknown) => {
        if (ended) return;
        ended = true;
        if (this.worker === worker) this.worker = null;
        if (!ready) {
          this.starting = null;
          reject(cause instanceof Error ? cause : new StoreThreadError('The database thread stopped before it opened the file.', { cause }));
          return;
        }
        if (this.generation === generation && !this.closed) this.deaths++;
        // Every query in flight was on this thread (one thread at a time).
        const failed = [...this.pending.values()];
        this.pending.clear();
        const error = new StoreThreadError('The database thread stopped; the query did not complete. Try again: the store restarts it.', { cause });
        for (const p of failed) p.reject(error);
      };
      worker.on('error', gone);
      worker.on('exit', (code) => gone(new Error(`exit code ${code}`)));
    });
    return this.starting;
  }

  /** Runs one statement on the thread (starting a new one if the last died). */
  run(sql: string, params: readonly unknown[]): Promise<Reply> {
    return this.send({ sql, params });
  }

  /**
   * Runs the statements as one IMMEDIATE transaction in a single message to the thread (one
   * hand-over between the threads instead of one per statement), committed before it answers; on
   * any error it is rolled back and nothing of it is stored.
   */
  async transaction(statements: readonly TransactionStatement[]): Promise<TransactionResult[]> {
    return (await this.send({ tx: statements })).results!;
  }

  /**
   * Runs a transaction job (TransactionJob: `module` exports it as `name`) whole on the thread, in
   * one IMMEDIATE transaction committed before it answers: the write lock is held only while the
   * thread runs it. On any error it is rolled back.
   *
   * `keep` names input properties that are the same unchanging object from call to call (the sync
   * mapping): each such object crosses to the thread once and is kept there under its name, and later
   * calls with the same object send only its id. The structured clone of the mapping cost more CPU
   * than the rest of an apply job's input. An object given under `keep` must not be changed after.
   */
  async job(module: string, name: string, input: unknown, keep: readonly string[] = []): Promise<unknown> {
    if (keep.length === 0 || !input || typeof input !== 'object') return (await this.send({ job: { module, name }, input })).output;
    // The live thread without waiting a turn of the event loop; a new one when it died.
    const worker = this.worker ?? (await this.start());
    if (this.keptGeneration !== this.generation) {
      // A new thread holds nothing yet.
      this.keptGeneration = this.generation;
      this.keptOnThread = new Map();
    }
    const all = input as Record<string, unknown>;
    const kept: Record<string, { id: number; value?: unknown }> = {};
    for (const key of keep) {
      const value = all[key];
      if (!value || typeof value !== 'object') continue;
      let id = this.keptIds.get(value);
      if (id === undefined) {
        id = this.nextKeptId++;
        this.keptIds.set(value, id);
      }
      kept[key] = this.keptOnThread.get(key) === id ? { id } : { id, value };
      this.keptOnThread.set(key, id);
    }
    // The rest, copied without the kept keys (not deleted from a copy: that makes it a slow dictionary object to clone).
    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(all)) if (!(key in kept)) rest[key] = all[key];
    try {
      return (await this.send({ job: { module, name }, input: rest, kept }, worker)).output;
    } catch (err) {
      // Whether the thread took the values is not known (it may have died): send them again next time.
      this.keptOnThread = new Map();
      throw err;
    }
  }

  /** What the connection did since the live thread started. */
  async stats(): Promise<SqliteThreadStats> {
    return (await this.send({ stats: true })).stats!;
  }

  private async send(
    message:
      | { sql: string; params: readonly unknown[] }
      | { tx: readonly TransactionStatement[] }
      | { job: { module: string; name: string }; input: unknown; kept?: Record<string, { id: number; value?: unknown }> }
      | { stats: true },
    /** The thread the message is meant for (a job's kept inputs were counted for it). */
    expected?: Worker,
  ): Promise<Reply> {
    if (this.closed) throw new StoreThreadError('The store is closed.');
    const worker = expected ?? (await this.start());
    if (this.worker !== worker) throw new StoreThreadError('The database thread stopped; the query did not run. Try again: the store restarts it.');
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
    if (reply.error) throw new SqliteStatementError(reply.error);
    if (reply.results) for (const r of reply.results) if (r.rows) fromClone(r.rows);
    return reply;
  }

  /** The generation of the live thread, or null when none runs (it died and no query started a new one yet). */
  get liveGeneration(): number | null {
    return this.worker ? this.generation : null;
  }

  /** Ends the thread as a crash would (for fault tests): queries in flight fail; the next query starts a new thread. */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker ?? (this.starting ? await this.starting.catch(() => null) : null);
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.ref();
      worker.postMessage({ close: true });
    });
  }
}

class SqliteThreadConnection implements DatabaseConnection {
  /** The thread generation the open transaction began on, or null outside a transaction. */
  private txGeneration: number | null = null;
  /** Ends the open transaction's write turn (see WriteTurns). */
  private endTurn: (() => void) | null = null;

  constructor(
    private readonly thread: SqliteThread,
    private readonly turns?: WriteTurns,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.txGeneration !== null && this.txGeneration !== this.thread.liveGeneration) {
      throw new StoreThreadError('The database thread stopped during this transaction; nothing of it was committed. Try again.');
    }
    const reply = await this.thread.run(compiledQuery.sql, compiledQuery.parameters);
    if (reply.rows) return { rows: fromClone(reply.rows) as R[] };
    return {
      numAffectedRows: reply.changes !== undefined ? BigInt(reply.changes) : undefined,
      insertId: reply.lastInsertRowid !== undefined ? BigInt(reply.lastInsertRowid) : undefined,
      rows: [],
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new IncidentSnError('The SQLite store does not stream queries; read in pages instead.', { code: 'sqlite_no_streaming' });
  }

  async begin(): Promise<void> {
    // IMMEDIATE: the write lock is taken (waiting under busy_timeout, on the thread) before the
    // first read. A deferred transaction that read and then writes fails at once with SQLITE_BUSY
    // when another connection (the ingest thread's) wrote in between.
    this.endTurn = (await this.turns?.take('transaction')) ?? null;
    try {
      await this.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (err) {
      this.finished();
      throw err;
    }
    this.txGeneration = this.thread.liveGeneration;
  }

  async commit(): Promise<void> {
    try {
      await this.executeQuery(CompiledQuery.raw('commit'));
    } finally {
      this.txGeneration = null;
      this.finished();
    }
  }

  async rollback(): Promise<void> {
    const stale = this.txGeneration !== null && this.txGeneration !== this.thread.liveGeneration;
    this.txGeneration = null;
    try {
      // The thread it began on is gone, and SQLite dropped the transaction with its connection.
      if (stale) return;
      await this.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.finished();
    }
  }

  private finished(): void {
    const end = this.endTurn;
    this.endTurn = null;
    end?.();
  }
}

class SqliteThreadDriver implements Driver {
  private readonly connection: SqliteThreadConnection;
  private lock: Promise<void> | null = null;
  private unlock: (() => void) | null = null;

  constructor(
    private readonly thread: SqliteThread,
    turns?: WriteTurns,
  ) {
    this.connection = new SqliteThreadConnection(thread, turns);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: whoever holds it (a transaction, or one query) releases it before the next.
    while (this.lock) await this.lock;
    this.lock = new Promise<void>((resolve) => (this.unlock = resolve));
    return this.connection;
  }

  async beginTransaction(): Promise<void> {
    await this.connection.begin();
  }

  async commitTransaction(): Promise<void> {
    await this.connection.commit();
  }

  async rollbackTransaction(): Promise<void> {
    await this.connection.rollback();
  }

  async releaseConnection(): Promise<void> {
    const unlock = this.unlock;
    this.lock = null;
    this.unlock = null;
    unlock?.();
  }

  async destroy(): Promise<void> {
    await this.thread.close();
  }
}

/** Kysely's SQLite dialect over a SqliteThread instead of a connection on the event loop. */
export class SqliteThreadDialect implements Dialect {
  constructor(
    private readonly thread: SqliteThread,
    /** Shared with the pushes' connection (SqliteInboundWriter) when the store has one. */
    private readonly turns?: WriteTurns,
  ) {}

  createDriver(): Driver {
    return new SqliteThreadDriver(this.thread, this.turns);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
