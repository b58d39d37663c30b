import { sql, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { IncidentSnError } from '../../shared/errors';

/**
 * A kysely query built and compiled once per dialect, for the hot paths (a push stored, an event
 * claimed): building and compiling a query costs more CPU than SQLite takes to run most of them.
 * The query is built with a placeholder for each argument; each call puts the arguments in the
 * compiled query's parameter list and runs it (on the database or transaction it is given).
 * Only for queries whose shape does not depend on the arguments (no lists, no optional clauses).
 */

const PLACEHOLDER = '\u0000prepared-argument\u0000';

type Slot = { arg: string } | { value: unknown };

interface Compiled {
  sql: string;
  query: CompiledQuery['query'];
  slots: Slot[];
}

export class PreparedQuery<DB, A extends Record<string, unknown>, R> {
  private readonly byDialect = new Map<unknown, Compiled>();

  constructor(
    private readonly argNames: ReadonlyArray<keyof A & string>,
    private readonly build: (db: Kysely<DB>, args: A) => Compilable<R>,
    /** Changes the compiled SQL once (what the query builder cannot say: SQLite's INDEXED BY, see forceIndex). */
    private readonly rewrite?: (sql: string) => string,
  ) {}

  /** Runs the query on `db` (the database or a transaction) with these arguments. */
  async execute(db: Kysely<DB>, args: A): Promise<QueryResult<R>> {
    return db.executeQuery<R>(this.bind(db, args));
  }

  /** The compiled query for `db`'s dialect with these arguments, to run elsewhere (a batch on the store's thread). */
  bind(db: Kysely<DB>, args: A): CompiledQuery<R> {
    const dialect = db.getExecutor().adapter.constructor;
    let compiled = this.byDialect.get(dialect);
    if (!compiled) {
      compiled = this.compile(db);
      this.byDialect.set(dialect, compiled);
    }
    const parameters = compiled.slots.map((slot) => ('arg' in slot ? args[slot.arg] : slot.value));
    return { sql: compiled.sql, query: compiled.query, parameters, queryId: { queryId: '' } } as CompiledQuery<R>;
  }

  private compile(db: Kysely<DB>): Compiled {
    const placeholders = Object.fromEntries(this.argNames.map((name) => [name, `${PLACEHOLDER}${name}`])) as unknown as A;
    const compiled = this.build(db, placeholders).compile();
    const slots = compiled.parameters.map((value): Slot => {
      if (typeof value === 'string' && value.startsWith(PLACEHOLDER)) return { arg: value.slice(PLACEHOLDER.length) };
      return { value };
    });
    const used = new Set(slots.flatMap((s) => ('arg' in s ? [s.arg] : [])));
    const missing = this.argNames.filter((name) => !used.has(name));
    // A placeholder transformed on its way (or not used) would silently run with the wrong value.
    if (missing.length > 0) throw new IncidentSnError(`prepared query: arguments ${missing.join(', ')} are not parameters of the compiled query`, { code: 'prepared_query_arguments' });
    return { sql: this.rewrite ? this.rewrite(compiled.sql) : compiled.sql, query: compiled.query, slots };
  }
}

/**
 * SQLite's `INDEXED BY` for the table aliased `alias` in compiled SQL (kysely cannot put it after an
 * alias). For a query whose right index SQLite's planner does not see without statistics: it then
 * takes an index on `state` for `state in ('pending', 'processing')` and reads every open row, where
 * the partial index of open rows in due order finds the next one at once. The statement fails to
 * prepare if the index cannot serve the query, so a change that breaks it cannot go unnoticed.
 */
export function forceIndex(sql: string, table: string, alias: string, index: string): string {
  const from = `"${table}" as "${alias}"`;
  const parts = sql.split(from);
  if (parts.length !== 2) throw new IncidentSnError(`forceIndex: ${from} occurs ${parts.length - 1} times in the query, not once`, { code: 'prepared_query_index' });
  return parts.join(`${from} indexed by "${index}"`);
}

/**
 * An UPDATE whose SET list depends on which columns a call changes (an incident's or a link's
 * changes): one PreparedQuery per list of columns, in the order given, made on first use. A call's
 * arguments are its column values by name, with the WHERE arguments beside them. At most `max`
 * shapes are kept; past that a call builds its query as kysely would (still correct, only not reused).
 */
export class PreparedUpdates<DB, A extends Record<string, unknown>, R> {
  private readonly byShape = new Map<string, PreparedQuery<DB, A, R>>();

  constructor(
    private readonly whereArgs: ReadonlyArray<keyof A & string>,
    private readonly build: (db: Kysely<DB>, columns: readonly string[], args: A) => Compilable<R>,
    private readonly max = 64,
  ) {}

  /** Runs the update of `columns` (each an argument of the same name in `args`) on `db`. */
  async execute(db: Kysely<DB>, columns: readonly string[], args: A): Promise<QueryResult<R>> {
    const key = columns.join(',');
    let query = this.byShape.get(key);
    if (!query) {
      if (this.byShape.size >= this.max) return db.executeQuery<R>(this.build(db, columns, args).compile());
      const shape = [...columns];
      query = new PreparedQuery<DB, A, R>([...(shape as Array<keyof A & string>), ...this.whereArgs], (k, a) => this.build(k, shape, a));
      this.byShape.set(key, query);
    }
    return query.execute(db, args);
  }
}

/**
 * `.limit(ONE_ROW)`: LIMIT 1 written into the statement. `.limit(1)` compiles to a bound LIMIT, whose
 * value SQLite's planner reads: binding it again on every run of a kept statement makes SQLite prepare
 * that statement again each time (3.5 us more for a one-table lookup here, more for the claims).
 */
export const ONE_ROW = sql.lit(1);
