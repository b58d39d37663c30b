import { encodedQuery, type QueryBuilder } from '../client';
import type { CatalogRecordVersion } from '../store/catalog-store';
import { CatalogPagingError } from './errors';

/**
 * Where an import reads from, and how it pages. Pure functions, tested without an instance.
 *
 * An incremental run reads the rows updated at or after `cursor − overlap`, where the cursor is the
 * newest `sys_updated_on` already stored. The overlap catches a row whose transaction began (and
 * stamped `sys_updated_on`) before the previous run read past that time but committed after it.
 *
 * Pages are read by key, not by offset: ordered by (sys_updated_on, sys_id), each page asks for
 * the rows after the last row of the page before. A row updated during the import moves to the end
 * of the order, which with offsets would shift every later row back by one and skip one; with keys
 * nothing shifts, and the moved row is read again in its new version. ServiceNow drops rows the
 * account may not read after applying the limit, so a page can come back short in the middle of a
 * table: the next page still starts after its last row, and only an empty page ends the table
 * (which misses rows only behind a full page's worth of unreadable rows in a row).
 */

/** Default overlap window: longer than any transaction that stamps CMDB or user records. */
export const DEFAULT_OVERLAP_SECONDS = 300;

const SERVICENOW_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `YYYY-MM-DD HH:MM:SS` (UTC, as the Table API sends it) in epoch ms; undefined if it is not that. */
export function parseServiceNowTime(text: string): number | undefined {
  const m = SERVICENOW_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2025-02-30 over to March; such a text is not a time.
  return formatServiceNowTime(ms) === text ? ms : undefined;
}

/** Epoch ms as `YYYY-MM-DD HH:MM:SS` in UTC (whole seconds, rounded down). */
export function formatServiceNowTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The earliest `sys_updated_on` an incremental run reads: the cursor minus the overlap. Null (read
 * every row) before the first run, and when the stored cursor is not a time.
 */
export function windowStart(cursor: string | null, overlapSeconds: number): string | null {
  if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
    throw new RangeError(`The overlap window must be a number of seconds ≥ 0; got ${overlapSeconds}.`);
  }
  if (cursor === null) return null;
  const ms = parseServiceNowTime(cursor);
  if (ms === undefined) return null;
  return formatServiceNowTime(ms - overlapSeconds * 1000);
}

/** The key of a row in the import order. */
export interface RowKey {
  sysUpdatedOn: string;
  sysId: string;
}

/** Where the next page starts. */
export interface PagePosition {
  /** Rows updated at or after this time; null: from the first row. Ignored once `after` is set. */
  from: string | null;
  /** Rows ordered after this key (the last row of the last full page). */
  after: RowKey | null;
  /** Rows of that query to skip: non-zero only after pages that came back short. */
  offset: number;
}

export function startPosition(from: string | null): PagePosition {
  return { from, after: null, offset: 0 };
}

/** Orders keys as the instance orders rows: by sys_updated_on, then sys_id. */
export function compareKeys(a: RowKey, b: RowKey): number {
  if (a.sysUpdatedOn !== b.sysUpdatedOn) return a.sysUpdatedOn < b.sysUpdatedOn ? -1 : 1;
  const x = a.sysId.toLowerCase();
  const y = b.sysId.toLowerCase();
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * The query for a page: the window (or the rows after the key), ordered by sys_updated_on; the
 * table client adds `ORDERBYsys_id` after it. `^OR` binds tighter than `^`, so the key condition
 * reads: updated at or after T, and (updated after T, or sys_id after I).
 */
export function pageQuery(position: PagePosition): QueryBuilder {
  let query = encodedQuery();
  if (position.after) {
    const { sysUpdatedOn, sysId } = position.after;
    query = query.where('sys_updated_on', '>=', sysUpdatedOn).and('sys_updated_on', '>', sysUpdatedOn).or('sys_id', '>', sysId);
  } else if (position.from !== null) {
    query = query.where('sys_updated_on', '>=', position.from);
  }
  return query.orderBy('sys_updated_on');
}

/**
 * The position after a page came back with `records`, or null when the table is done (an empty
 * page). Throws CatalogPagingError when a page does not move past the key it was asked to start
 * after: the instance ignored the query, and paging on would never end.
 */
export function nextPosition(position: PagePosition, records: readonly CatalogRecordVersion[], limit: number): PagePosition | null {
  if (records.length === 0) return null;
  const last = records[records.length - 1]!;
  const lastKey: RowKey = { sysUpdatedOn: last.sysUpdatedOn, sysId: last.sysId };
  if (lastKey.sysUpdatedOn !== '' && lastKey.sysId !== '') {
    if (position.after && compareKeys(lastKey, position.after) <= 0) {
      throw new CatalogPagingError(
        `The instance answered a page that does not start after the previous one (last row ${lastKey.sysId}, ` +
          `updated ${lastKey.sysUpdatedOn}): it seems to ignore the query on sys_updated_on and sys_id.`,
      );
    }
    return { from: position.from, after: lastKey, offset: 0 };
  }
  // A row without a time or sys_id (not something ServiceNow sends) cannot be a key: step over the
  // window just read instead.
  return { ...position, offset: position.offset + limit };
}
