import type { Statement } from 'better-sqlite3';
import { quoteIdentifier, type SqliteDatabase } from '../../db/database';
import type { TableMeta } from '../../db/dictionary';
import { ConstraintViolationError } from '../../errors';
import { classRestriction, type CompiledQuery } from '../../query/sql';
import type { RecordValues } from '../hooks';

const STATEMENT_CACHE_SIZE = 500;

/**
 * Physical row access: no business logic, no ACLs. Values are strings; an empty value is stored as
 * NULL (as the platform's database does) and read back as ''. Statements are prepared once and cached.
 */
/** A statement that reads whole rows as arrays (better-sqlite3's raw mode), with its columns' names. */
interface RowStatement {
  stmt: Statement;
  columns: string[];
}

export class RowStore {
  private readonly statements = new Map<string, Statement>();
  /**
   * Statements that read whole records (`SELECT t.*`). A record has up to a hundred columns; in
   * raw mode better-sqlite3 does not build an object of them that toValues would copy again
   * (measured: a read of an incident in about half the CPU).
   */
  private readonly rowStatements = new Map<string, RowStatement>();
  /** Numbers this connection's row writes; the latest number per sys_id since forgetWrites(). */
  private writeSerial = 0;
  private readonly latestWrites = new Map<string, number>();
  private bulkWriteSerial = 0;

  constructor(private readonly db: SqliteDatabase) {}

  prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (stmt) {
      // Keep recently used statements at the end (simple LRU).
      this.statements.delete(sql);
      this.statements.set(sql, stmt);
      return stmt;
    }
    stmt = this.db.prepare(sql);
    this.statements.set(sql, stmt);
    if (this.statements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) this.statements.delete(oldest);
    }
    return stmt;
  }

  /** Forget prepared statements (after DDL changed the tables they read). */
  clearStatements(): void {
    this.statements.clear();
    this.rowStatements.clear();
  }

  private prepareRows(sql: string): RowStatement {
    let entry = this.rowStatements.get(sql);
    if (entry) {
      this.rowStatements.delete(sql);
      this.rowStatements.set(sql, entry);
      return entry;
    }
    const stmt = this.db.prepare(sql).raw(true);
    entry = { stmt, columns: stmt.columns().map((c) => c.name) };
    this.rowStatements.set(sql, entry);
    if (this.rowStatements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.rowStatements.keys().next().value;
      if (oldest !== undefined) this.rowStatements.delete(oldest);
    }
    return entry;
  }

  /** The row of `sysId` if it belongs to `table` (or a table extending it). */
  read(table: TableMeta, sysId: string): RecordValues | null {
    const cls = classRestriction(table, 't');
    const sql = `SELECT t.* FROM ${quoteIdentifier(table.root)} t WHERE t."sys_id" = ?${cls ? ` AND ${cls.sql}` : ''}`;
    const entry = this.prepareRows(sql);
    const row = (cls ? entry.stmt.get(sysId, ...cls.params) : entry.stmt.get(sysId)) as unknown[] | undefined;
    return row ? rowValues(entry, row) : null;
  }

  exists(root: string, sysId: string): boolean {
    return this.prepare(`SELECT 1 FROM ${quoteIdentifier(root)} WHERE "sys_id" = ?`).get(sysId) !== undefined;
  }

  /** Returns the write's serial (see latestWriteOf). */
  insert(root: string, values: RecordValues, physical: ReadonlySet<string>): number {
    const columns = Object.keys(values).filter((c) => physical.has(c));
    const sql = `INSERT INTO ${quoteIdentifier(root)} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
    guardConstraints(root, () => this.prepare(sql).run(...columns.map((c) => toStored(values[c]))));
    return this.wrote(values.sys_id ?? '');
  }

  /** Returns the write's serial (see latestWriteOf). */
  update(root: string, sysId: string, changes: RecordValues, physical: ReadonlySet<string>): number {
    const columns = Object.keys(changes).filter((c) => physical.has(c) && c !== 'sys_id');
    if (columns.length > 0) {
      const sql = `UPDATE ${quoteIdentifier(root)} SET ${columns.map((c) => `${quoteIdentifier(c)} = ?`).join(', ')} WHERE "sys_id" = ?`;
      guardConstraints(root, () => this.prepare(sql).run(...columns.map((c) => toStored(changes[c])), sysId));
    }
    return this.wrote(sysId);
  }

  delete(root: string, sysId: string): number {
    const deleted = this.prepare(`DELETE FROM ${quoteIdentifier(root)} WHERE "sys_id" = ?`).run(sysId).changes;
    this.wrote(sysId);
    return deleted;
  }

  private wrote(sysId: string): number {
    this.writeSerial++;
    this.latestWrites.set(sysId.toLowerCase(), this.writeSerial);
    return this.writeSerial;
  }

  /**
   * The serial of this connection's latest write of the row `sysId` since forgetWrites(): a writer
   * compares it with its own write's serial to know whether something (an after rule, a platform
   * reaction) wrote the row again after it, so that the row it wrote is not the row stored.
   */
  latestWriteOf(sysId: string): number {
    return Math.max(this.latestWrites.get(sysId.toLowerCase()) ?? 0, this.bulkWriteSerial);
  }

  /** Called when a write transaction ends: the serials of its rows are no longer needed. */
  forgetWrites(): void {
    this.latestWrites.clear();
  }

  /** Deletes the rows of a physical table whose column holds a value (clean-ups after a delete). */
  deleteWhere(root: string, column: string, value: string): number {
    const deleted = this.prepare(`DELETE FROM ${quoteIdentifier(root)} WHERE ${quoteIdentifier(column)} = ?`).run(value).changes;
    // Rows unknown by sys_id: every row counts as written again.
    this.writeSerial++;
    this.bulkWriteSerial = this.writeSerial;
    return deleted;
  }

  /** One column of the rows of a physical table whose other column holds a value. */
  valuesWhere(root: string, select: string, column: string, value: string): string[] {
    const rows = this.prepare(`SELECT ${quoteIdentifier(select)} AS v FROM ${quoteIdentifier(root)} WHERE ${quoteIdentifier(column)} = ?`).all(value) as Array<{ v: unknown }>;
    return rows.map((r) => (r.v === null || r.v === undefined ? '' : String(r.v)));
  }

  /** Some columns of every row of a physical table (small metadata tables such as sys_properties). */
  columnsOf(root: string, columns: readonly string[]): Array<Record<string, string>> {
    const rows = this.prepare(`SELECT ${columns.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(root)}`).all() as Array<Record<string, unknown>>;
    return rows.map(toValues);
  }

  /** Rows matching a compiled query, in its order, with limit/offset. */
  select(table: TableMeta, query: CompiledQuery, limit: number | null, offset: number): RecordValues[] {
    const { where, params } = this.whereClause(table, query);
    // An integer limit is written into the statement: SQLite's planner reads a bound LIMIT's value,
    // so rebinding it (every run) made SQLite prepare the statement again on each run. The offset
    // is not read by the planner and stays bound (a paged read keeps one statement).
    const literalLimit = limit !== null && Number.isSafeInteger(limit);
    const paging = limit === null ? (offset > 0 ? ' LIMIT -1 OFFSET ?' : '') : literalLimit ? ` LIMIT ${limit} OFFSET ?` : ' LIMIT ? OFFSET ?';
    const pagingParams = limit === null ? (offset > 0 ? [offset] : []) : literalLimit ? [offset] : [limit, offset];
    const sql = `SELECT t.* FROM ${quoteIdentifier(table.root)} t WHERE ${where} ORDER BY ${query.orderBy}${paging}`;
    const entry = this.prepareRows(sql);
    return (entry.stmt.all(...params, ...pagingParams) as unknown[][]).map((row) => rowValues(entry, row));
  }

  count(table: TableMeta, query: CompiledQuery): number {
    const { where, params } = this.whereClause(table, query);
    const row = this.prepare(`SELECT COUNT(*) AS n FROM ${quoteIdentifier(table.root)} t WHERE ${where}`).get(...params) as { n: number };
    return row.n;
  }

  /** sys_ids matching a compiled query (for bulk operations). */
  selectIds(table: TableMeta, query: CompiledQuery): string[] {
    const { where, params } = this.whereClause(table, query);
    return (this.prepare(`SELECT t."sys_id" AS id FROM ${quoteIdentifier(table.root)} t WHERE ${where} ORDER BY ${query.orderBy}`).all(...params) as Array<{ id: string }>).map(
      (r) => r.id,
    );
  }

  private whereClause(table: TableMeta, query: CompiledQuery): { where: string; params: unknown[] } {
    const cls = classRestriction(table, 't');
    if (!cls) return { where: query.where, params: query.params };
    return { where: `${cls.sql} AND (${query.where})`, params: [...cls.params, ...query.params] };
  }
}

/** SQLite's constraint errors as the instance's own (the engine turns them into the platform's answer). */
function guardConstraints<T>(root: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')) throw new ConstraintViolationError(root, { cause: err });
    throw err;
  }
}

function toStored(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/** A raw row as values ('' for NULL). */
function rowValues(entry: RowStatement, row: unknown[]): RecordValues {
  // A column added by another thread's DDL (appended: the instance only adds columns) before this
  // thread dropped its statements: SQLite prepared the statement again, with the new column.
  if (row.length !== entry.columns.length) entry.columns = entry.stmt.columns().map((c) => c.name);
  const columns = entry.columns;
  const out: RecordValues = {};
  for (let i = 0; i < columns.length; i++) {
    const v = row[i];
    out[columns[i]!] = v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v);
  }
  return out;
}

function toValues(row: Record<string, unknown>): RecordValues {
  const out: RecordValues = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === null || v === undefined ? '' : String(v);
  return out;
}
