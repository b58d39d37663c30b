import { MAX_PAGE_SIZE, ServiceNowForbiddenError, ServiceNowRequestAbortedError, type Page, type TableClient, type TableRecord } from '../client';
import type { CompanionStore } from '../store';
import { CATALOG_SOURCE_TABLES, type CatalogPage, type CatalogRecordOf, type CatalogSourceTable, type StoreCatalogPageInput } from '../store/catalog-store';
import {
  CatalogAccessError,
  CatalogConnectionNotFoundError,
  CatalogImportError,
  CatalogImportInterruptedError,
  CatalogOptionError,
  CatalogTableFailedError,
} from './errors';
import { DEFAULT_OVERLAP_SECONDS, nextPosition, pageQuery, startPosition, windowStart, type PagePosition } from './paging';
import { SOURCE_TABLES, requestedFields, type SourceTable } from './source-tables';

/**
 * Imports a connection's catalog (CIs of every class, services, users, groups, memberships) from
 * its instance into the companion's store, page by page: a few fetched pages at a time are stored,
 * with the table's cursor, in one transaction, so memory holds a few pages. An import stopped by an
 * error or its signal stores the pages it fetched before it stops; a killed one loses only pages
 * not yet committed, with their cursor, and the next run reads them again. A re-run reads only
 * what changed since the cursor (minus the overlap window); `full` reads everything and marks what
 * it no longer finds as deleted.
 */

/**
 * Rows per request. 2000 rather than 500: the page is one commit, and a commit's cost is mostly the
 * index pages it writes to the WAL (each CI's (connection, sys_id) entry lands on a random one), which
 * 2000 rows share far more than 500 do; the instance also answers a quarter of the requests. Unlike
 * holding several small pages for one commit, a large page keeps the next request in flight while
 * this page is written, so the importer is never idle waiting for a page it did not ask for early.
 */
export const DEFAULT_CATALOG_PAGE_SIZE = 2000;

/**
 * Fetched pages smaller than this (a smaller `pageSize`, or pages ACLs shortened) are held and written
 * together, in one transaction, once they hold this many rows; while a page is held the importer
 * waits for the next one idle. 1 begins a transaction with every page.
 */
export const DEFAULT_ROWS_PER_COMMIT = 2000;

/**
 * A transaction that begins with a page also takes the pages that arrive while it is open, up to
 * this many rows in all. Rows share the index pages they dirty (each CI's (connection, sys_id) and
 * name entries land on random ones), and a commit writes every dirty page to the WAL once: four
 * 2,000-row pages in one commit write about half the WAL of four commits.
 */
export const DEFAULT_MAX_ROWS_PER_COMMIT = 8000;

/**
 * How long a transaction may stay open taking more pages, from its first write: the bound on how
 * long the import holds the store's write lock (SQLite's, shared with `serve`) beyond the write of
 * the last page it took. A page is waited for only when it is due (asked for as long ago as the
 * page before took to come) before the bound, so against an instance slower than that the import
 * commits each page at once and holds the lock only while writing it.
 */
export const DEFAULT_MAX_COMMIT_HOLD_MS = 150;

export type CatalogImportMode = 'full' | 'incremental';

export type CatalogProgressEvent =
  | {
      type: 'table-started';
      table: CatalogSourceTable;
      mode: CatalogImportMode;
      /** The start of the window read (cursor minus overlap); null when every row is read. */
      since: string | null;
      /** Rows to read as ServiceNow counted them (`X-Total-Count`, before ACLs); null when not sent. */
      total: number | null;
    }
  | {
      type: 'page-stored';
      table: CatalogSourceTable;
      /** Rows in this page. */
      pageRecords: number;
      /** Totals for the table so far. */
      fetched: number;
      stored: number;
      inserted: number;
      updated: number;
      unchanged: number;
      total: number | null;
      cursor: string | null;
    }
  | { type: 'table-finished'; table: CatalogSourceTable; result: CatalogTableResult }
  | { type: 'table-failed'; table: CatalogSourceTable; error: CatalogImportError };

export interface CatalogTableResult {
  table: CatalogSourceTable;
  status: 'ok' | 'failed';
  mode: CatalogImportMode;
  since: string | null;
  /** Rows received from ServiceNow. */
  fetched: number;
  /** New rows stored. */
  inserted: number;
  /** Rows stored over an older version (or back after being marked deleted). */
  updated: number;
  /** Rows already stored in that version (the overlap window re-reads some). */
  unchanged: number;
  /** Rows marked deleted (full runs only). */
  deleted: number;
  pages: number;
  durationMs: number;
  /** The cursor after the run. */
  cursor: string | null;
  error?: { code: string; message: string };
}

export interface CatalogImportSummary {
  connection: string;
  mode: CatalogImportMode;
  startedAt: Date;
  durationMs: number;
  /** True when every table was read to its end. */
  ok: boolean;
  tables: CatalogTableResult[];
}

export interface ImportCatalogOptions {
  /** The companion's store (its catalog, and the connection by name). */
  store: Pick<CompanionStore, 'catalog' | 'getConnection'>;
  /** A Table API client authenticated as the connection's service account. */
  client: TableClient;
  connectionName: string;
  /** Read every row, and mark the rows not found as deleted. Default false (only what changed). */
  full?: boolean;
  /** Default: all five, in the order of CATALOG_SOURCE_TABLES. */
  tables?: readonly CatalogSourceTable[];
  /** Rows per request (1 to 10000). Default 2000. */
  pageSize?: number;
  /** How far before the cursor an incremental run starts reading, in seconds. Default 300. */
  overlapSeconds?: number;
  /** Fetched pages are stored in one transaction once they hold this many rows. Default 2000. */
  rowsPerCommit?: number;
  /** A transaction takes pages arriving while it is open up to this many rows. Default 8000; 1 takes none. */
  maxRowsPerCommit?: number;
  /** …and for at most this long from its first write, in ms. Default 150; 0 takes none. */
  maxCommitHoldMs?: number;
  /** Awaited: a slow consumer slows the import instead of queueing events. */
  onProgress?: (event: CatalogProgressEvent) => void | Promise<void>;
  signal?: AbortSignal;
  clock?: () => Date;
}

function checkedPageSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new CatalogOptionError(`The page size must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${size}.`);
  }
  return size;
}

function checkedTables(tables: readonly CatalogSourceTable[]): CatalogSourceTable[] {
  for (const table of tables) {
    if (!(CATALOG_SOURCE_TABLES as readonly string[]).includes(table)) {
      throw new CatalogOptionError(`${JSON.stringify(table)} is not a catalog table; use ${CATALOG_SOURCE_TABLES.join(', ')}.`);
    }
  }
  return CATALOG_SOURCE_TABLES.filter((t) => tables.includes(t));
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return err instanceof ServiceNowRequestAbortedError || (signal?.aborted ?? false);
}

/**
 * Imports the catalog. Resolves with a summary when every table was read (`ok`), or when some
 * tables were refused (403: their results say which role is missing, the others are imported).
 * Throws a CatalogImportError, with the summary so far, when the import stopped: ServiceNow kept
 * failing, a rate limit outlasted the client's patience, or `signal` fired.
 */
export async function importCatalog(options: ImportCatalogOptions): Promise<CatalogImportSummary> {
  const clock = options.clock ?? (() => new Date());
  const pageSize = checkedPageSize(options.pageSize ?? DEFAULT_CATALOG_PAGE_SIZE);
  const overlapSeconds = options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
  if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
    throw new CatalogOptionError(`The overlap window must be a number of seconds ≥ 0; got ${overlapSeconds}.`);
  }
  const tables = checkedTables(options.tables ?? CATALOG_SOURCE_TABLES);
  const rowsPerCommit = options.rowsPerCommit ?? DEFAULT_ROWS_PER_COMMIT;
  if (!Number.isInteger(rowsPerCommit) || rowsPerCommit < 1) {
    throw new CatalogOptionError(`The rows per commit must be a whole number ≥ 1; got ${rowsPerCommit}.`);
  }
  const maxRowsPerCommit = options.maxRowsPerCommit ?? DEFAULT_MAX_ROWS_PER_COMMIT;
  if (!Number.isInteger(maxRowsPerCommit) || maxRowsPerCommit < 1) {
    throw new CatalogOptionError(`The most rows per commit must be a whole number ≥ 1; got ${maxRowsPerCommit}.`);
  }
  const maxCommitHoldMs = options.maxCommitHoldMs ?? DEFAULT_MAX_COMMIT_HOLD_MS;
  if (!Number.isFinite(maxCommitHoldMs) || maxCommitHoldMs < 0) {
    throw new CatalogOptionError(`The longest a commit may wait for more pages must be a number of milliseconds ≥ 0; got ${maxCommitHoldMs}.`);
  }
  const connection = await options.store.getConnection(options.connectionName);
  if (!connection) throw new CatalogConnectionNotFoundError(options.connectionName);

  const mode: CatalogImportMode = options.full ? 'full' : 'incremental';
  const startedAt = clock();
  const summary: CatalogImportSummary = { connection: connection.name, mode, startedAt, durationMs: 0, ok: true, tables: [] };
  const emit = async (event: CatalogProgressEvent): Promise<void> => {
    await options.onProgress?.(event);
  };
  const run: TableRun = {
    client: options.client,
    catalog: options.store.catalog,
    connectionId: connection.id,
    mode,
    pageSize,
    overlapSeconds,
    rowsPerCommit,
    maxRowsPerCommit,
    maxCommitHoldMs,
    clock,
    emit,
    ...(options.signal ? { signal: options.signal } : {}),
  };

  for (const table of tables) {
    const tableStartedAt = clock();
    const result = emptyResult(table, mode);
    try {
      await importTable(run, SOURCE_TABLES[table] as SourceTable<CatalogSourceTable>, result);
      result.durationMs = clock().getTime() - tableStartedAt.getTime();
      summary.tables.push(result);
      await emit({ type: 'table-finished', table, result });
    } catch (err) {
      result.durationMs = clock().getTime() - tableStartedAt.getTime();
      const error = classify(err, table, SOURCE_TABLES[table].readRole, options.signal);
      result.status = 'failed';
      result.error = { code: error.code, message: error.message };
      summary.tables.push(result);
      summary.ok = false;
      await emit({ type: 'table-failed', table, error });
      // A refused table says nothing about the others; anything else means the instance (or the
      // caller) wants us to stop.
      if (!(error instanceof CatalogAccessError)) {
        summary.durationMs = clock().getTime() - startedAt.getTime();
        error.summary = summary;
        throw error;
      }
    }
  }
  summary.durationMs = clock().getTime() - startedAt.getTime();
  return summary;
}

interface TableRun {
  client: TableClient;
  catalog: CompanionStore['catalog'];
  connectionId: string;
  mode: CatalogImportMode;
  pageSize: number;
  overlapSeconds: number;
  rowsPerCommit: number;
  maxRowsPerCommit: number;
  maxCommitHoldMs: number;
  clock: () => Date;
  emit: (event: CatalogProgressEvent) => Promise<void>;
  signal?: AbortSignal;
}

function emptyResult(table: CatalogSourceTable, mode: CatalogImportMode): CatalogTableResult {
  return { table, status: 'ok', mode, since: null, fetched: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, pages: 0, durationMs: 0, cursor: null };
}

function classify(err: unknown, table: CatalogSourceTable, role: string, signal: AbortSignal | undefined): CatalogImportError {
  if (isAbort(err, signal)) return new CatalogImportInterruptedError(table, err);
  if (err instanceof ServiceNowForbiddenError) return new CatalogAccessError(table, role, err);
  if (err instanceof CatalogImportError) return err;
  return new CatalogTableFailedError(table, err);
}

/** A fetched page's records (those with a sys_id) and how many rows the instance sent. */
interface FetchedPage {
  records: CatalogRecordOf[CatalogSourceTable][];
  fetched: number;
}

/** What `promise` resolves to if it settles within `ms`; undefined if it rejects or takes longer. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.then((value) => value, () => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

function toRecords(source: SourceTable<CatalogSourceTable>, page: Page<TableRecord>) {
  const records: CatalogRecordOf[CatalogSourceTable][] = [];
  for (const raw of page.records) {
    const record = source.toRecord(raw);
    if (record.sysId !== '') records.push(record);
  }
  return { records, fetched: page.records.length, totalCount: page.totalCount ?? null };
}

async function importTable(run: TableRun, source: SourceTable<CatalogSourceTable>, result: CatalogTableResult): Promise<void> {
  const { table } = source;
  const full = run.mode === 'full';
  const startedAt = run.clock();
  const cursor = await run.catalog.getCursor(run.connectionId, table);
  result.cursor = cursor;
  const since = full ? null : windowStart(cursor, run.overlapSeconds);
  result.since = since;
  const fields = requestedFields(source);
  let position = startPosition(since);
  let total: number | null = null;

  const fetchPage = (at: PagePosition, first: boolean) => {
    if (run.signal?.aborted) return Promise.reject(new CatalogImportInterruptedError(table, run.signal.reason));
    return run.client.listPage(table, {
      query: pageQuery(at),
      limit: run.pageSize,
      offset: at.offset,
      fields,
      excludeReferenceLink: true,
      // Only the first page is counted: the total is for the progress bar, and counting costs.
      noCount: !first,
      ...(run.signal ? { signal: run.signal } : {}),
    });
  };

  // The page asked for, when it was asked for, and how long the page before took to come.
  let pending = fetchPage(position, true);
  let askedAt = performance.now();
  let lastFetchMs = Number.POSITIVE_INFINITY;
  let finished = false;
  let first = true;

  // Converts a fetched page and asks for the next one before it is stored (one page ahead: the
  // instance works on the next page while this one is written, so a page costs the slower of the
  // two, not their sum).
  const receive = async (page: Page<TableRecord>): Promise<FetchedPage> => {
    lastFetchMs = performance.now() - askedAt;
    // The answer's raw records are not referenced past this point: they die young, before the page
    // is stored, instead of being promoted with it.
    const { records, fetched, totalCount } = toRecords(source, page);
    if (first) {
      first = false;
      total = totalCount;
      await run.emit({ type: 'table-started', table, mode: run.mode, since, total });
    }
    result.fetched += fetched;
    const next = nextPosition(position, records, run.pageSize);
    if (!next) {
      finished = true;
      return { records, fetched };
    }
    position = next;
    pending = fetchPage(next, false);
    askedAt = performance.now();
    // Awaited later; until then a failure must not count as unhandled.
    pending.catch(() => undefined);
    // Storing is synchronous SQLite work that blocks the thread; the request reaches its socket only
    // after a chain of promise steps and (on a reused keep-alive socket) a later turn of the event
    // loop. Waiting until it is written lets the instance work on it while pages are stored, rather
    // than after: one turn was not enough, and the two took turns.
    await run.client.requestsWritten();
    return { records, fetched };
  };

  // Fetched pages wait here until they are written together, in one transaction (see
  // DEFAULT_ROWS_PER_COMMIT).
  let buffered: FetchedPage[] = [];
  let bufferedRows = 0;
  // Rows fetched up to the page whose progress was reported last (the progress reads as if each
  // page had been stored on its own).
  let reportedFetched = 0;

  const flush = async (): Promise<void> => {
    if (buffered.length === 0) return;
    const pages = buffered;
    buffered = [];
    bufferedRows = 0;
    const at = run.clock();
    const inputOf = ({ records }: FetchedPage): StoreCatalogPageInput => ({ connectionId: run.connectionId, page: { table, records } as CatalogPage, at, markSeen: full });
    // The transaction also takes the pages that arrive while it is open (see
    // DEFAULT_MAX_COMMIT_HOLD_MS): a page is waited for only when it is due before the hold bound,
    // and never once the transaction holds the row bound.
    const openedAt = performance.now();
    let rows = pages.reduce((n, p) => n + p.records.length, 0);
    let joinError: unknown;
    const more = async (): Promise<StoreCatalogPageInput | null> => {
      if (finished || joinError !== undefined || rows >= run.maxRowsPerCommit) return null;
      const closesAt = openedAt + run.maxCommitHoldMs;
      // Past the bound, or the page is not due before it (the instance is slower than that): commit
      // now rather than hold the lock waiting for a page that will not come in time.
      const remaining = closesAt - performance.now();
      if (remaining <= 0 || askedAt + lastFetchMs > closesAt) return null;
      const page = await settledWithin(pending, remaining);
      if (page === undefined) return null;
      try {
        const fetched = await receive(page);
        if (fetched.records.length === 0) {
          // The table's end: nothing to write, and its rows were counted.
          reportedFetched += fetched.fetched;
          return null;
        }
        pages.push(fetched);
        rows += fetched.records.length;
        return inputOf(fetched);
      } catch (err) {
        // Thrown once what the transaction holds is committed: the pages before it are kept.
        joinError = err;
        return null;
      }
    };
    const stored = await run.catalog.storePages(pages.map(inputOf), more);
    for (let i = 0; i < pages.length; i++) {
      const page = stored[i]!;
      reportedFetched += pages[i]!.fetched;
      result.pages += 1;
      result.inserted += page.inserted;
      result.updated += page.updated;
      result.unchanged += page.unchanged;
      result.cursor = page.cursor;
      await run.emit({
        type: 'page-stored',
        table,
        pageRecords: pages[i]!.records.length,
        fetched: reportedFetched,
        stored: result.inserted + result.updated + result.unchanged,
        inserted: result.inserted,
        updated: result.updated,
        unchanged: result.unchanged,
        total,
        cursor: page.cursor,
      });
    }
    if (joinError !== undefined) throw joinError;
  };

  try {
    while (!finished) {
      const fetched = await receive(await pending);
      if (fetched.records.length > 0) {
        buffered.push(fetched);
        bufferedRows += fetched.records.length;
      } else {
        reportedFetched += fetched.fetched;
      }
      if (finished || bufferedRows >= run.rowsPerCommit) await flush();
    }
  } catch (err) {
    // What was fetched is kept: the pages already here are stored (and no more joined) before the
    // import stops.
    finished = true;
    await flush();
    throw err;
  }

  const { deleted } = await run.catalog.completeTable({ connectionId: run.connectionId, table, startedAt, full, at: run.clock() });
  result.deleted = deleted;
}
