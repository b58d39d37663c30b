import type { CallOptions, QueryParameters, ServiceNowConnection, ServiceNowResponse } from './connection';
import { EncodedQuery, QueryBuilder } from './encoded-query';
import { InvalidClientOptionError, InvalidQueryError, NotServiceNowError, type RequestTarget } from './errors';
import { normalizeFieldName, normalizeSysId, normalizeTableName } from './identifiers';
import { resultOf } from './response';
import type { HttpMethod } from './retry-policy';

/**
 * The Table API (`/api/now/table/{table}`): read one record, page through many, create, update,
 * delete. Table names, sys_ids and field names are checked before they reach a URL; queries come
 * from the encoded-query builder.
 */

/**
 * A field as the Table API sends it. Always strings ("true", "3", ""), except references
 * (`{value, link}` unless links are excluded), display values with `all` (`{display_value, value}`),
 * and an empty choice with display values on (null).
 */
export type FieldValue = string | null | { value?: string | null; display_value?: string | null; link?: string };
export type TableRecord = Record<string, FieldValue>;

/** `false`: raw values (default); `true`: display values; `all`: both, per field. */
export type DisplayValueMode = boolean | 'all';

/** A query from the builder, or (explicitly) a trusted hand-written one. Never a plain string. */
export type QueryInput = EncodedQuery | QueryBuilder;

export interface ReadOptions extends CallOptions {
  /** `sysparm_fields`: only these fields (dot-walks allowed; they come back as flat keys such as "caller_id.name"). */
  fields?: readonly string[];
  displayValue?: DisplayValueMode;
  /** References as bare sys_ids (or display strings) instead of `{value, link}`. */
  excludeReferenceLink?: boolean;
}

export interface ListOptions extends ReadOptions {
  query?: QueryInput;
  /** Records per request, 1 to 10000. Default: the client's (500). */
  pageSize?: number;
  /** Stop after this many records. */
  maxRecords?: number;
  /**
   * Append `ORDERBYsys_id` (after the query's own sort keys) so pages do not overlap or skip when
   * the instance would otherwise return rows in an unstable order. Default true.
   */
  orderBySysId?: boolean;
  /**
   * Stop at the first page shorter than asked for (default). ServiceNow silently leaves out rows the
   * service account may not read, which can shorten a page in the middle of a table; set false to
   * read until an empty page instead (one more request, never misses rows).
   */
  stopOnShortPage?: boolean;
  /** `sysparm_no_count`; default true here (the iterator never reads the count). */
  noCount?: boolean;
}

export interface PageOptions extends ReadOptions {
  query?: QueryInput;
  /** `sysparm_limit`, 1 to 10000. */
  limit: number;
  /** `sysparm_offset`. Default 0. */
  offset?: number;
  orderBySysId?: boolean;
  /** `sysparm_no_count`; default false here, so `totalCount` is filled in. */
  noCount?: boolean;
}

export interface Page<R> {
  records: R[];
  /** The offset to ask for the next page: offset + limit, even when ACLs made this page shorter. */
  nextOffset: number;
  /** `X-Total-Count`, when the instance sent it. */
  totalCount?: number;
}

export interface WriteOptions extends ReadOptions {
  /** `sysparm_input_display_value`: values given are display values (labels), not raw values. */
  inputDisplayValue?: boolean;
  /**
   * Whether the write may be repeated after a network error or 5xx. Creates and updates are not
   * retried by default: an update that appends a work note is not harmless twice.
   */
  idempotent?: boolean;
}

export type WritableValues = Readonly<Record<string, string | number | boolean | null>>;

export interface TableClientOptions {
  /** `v1` or `v2` for `/api/now/v1/table/…`; default the unversioned path. */
  apiVersion?: 'v1' | 'v2';
  /** Default records per page for list(). Default 500. */
  defaultPageSize?: number;
}

export const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_PAGE_SIZE = 500;

function checkedPageSize(size: number, what: string): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidClientOptionError(`${what} must be a whole number from 1 to ${MAX_PAGE_SIZE}; got ${size}.`);
  }
  return size;
}

function queryText(query: QueryInput | undefined, orderBySysId: boolean): string | undefined {
  let built: EncodedQuery;
  if (query === undefined) built = EncodedQuery.EMPTY;
  else if (query instanceof QueryBuilder) built = query.build();
  else if (query instanceof EncodedQuery) built = query;
  else {
    throw new InvalidQueryError(
      'A query must be built with encodedQuery() (or, for a query written in code, EncodedQuery.fromTrustedString); ' +
        'a plain string is refused so that input can never be pasted into one.',
    );
  }
  if (orderBySysId) built = built.thenOrderBy('sys_id');
  return built.isEmpty ? undefined : built.text;
}

function readParameters(options: ReadOptions): Record<string, string | undefined> {
  return {
    sysparm_fields: options.fields?.map(normalizeFieldName).join(','),
    sysparm_display_value: options.displayValue === undefined ? undefined : String(options.displayValue),
    sysparm_exclude_reference_link: options.excludeReferenceLink === undefined ? undefined : String(options.excludeReferenceLink),
  };
}

function callOptions(options: CallOptions): CallOptions {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

export class TableClient {
  private readonly basePath: string;
  private readonly defaultPageSize: number;

  constructor(
    private readonly connection: ServiceNowConnection,
    options: TableClientOptions = {},
  ) {
    this.basePath = options.apiVersion ? `/api/now/${options.apiVersion}/table` : '/api/now/table';
    this.defaultPageSize = checkedPageSize(options.defaultPageSize ?? DEFAULT_PAGE_SIZE, 'defaultPageSize');
  }

  /** One record. A missing record, and one an ACL hides, both throw ServiceNowNotFoundError. */
  async get<R extends object = TableRecord>(table: string, sysId: string, options: ReadOptions = {}): Promise<R> {
    const path = this.recordPath(table, sysId);
    const response = await this.call('GET', path, readParameters(options), undefined, options);
    return this.singleRecord<R>('GET', path, response);
  }

  /**
   * Every record matching the query, one at a time, fetching a page whenever the previous one is
   * used up: memory holds one page however large the table.
   */
  async *list<R extends object = TableRecord>(table: string, options: ListOptions = {}): AsyncGenerator<R, void, undefined> {
    const pageSize = checkedPageSize(options.pageSize ?? this.defaultPageSize, 'pageSize');
    const stopOnShortPage = options.stopOnShortPage ?? true;
    const maxRecords = options.maxRecords ?? Number.POSITIVE_INFINITY;
    let offset = 0;
    let yielded = 0;
    while (yielded < maxRecords) {
      const limit = Math.min(pageSize, maxRecords - yielded);
      const page = await this.listPage<R>(table, {
        ...options,
        limit,
        offset,
        noCount: options.noCount ?? true,
      });
      for (const record of page.records) {
        if (yielded >= maxRecords) return;
        yield record;
        yielded += 1;
      }
      if (page.records.length === 0 || (stopOnShortPage && page.records.length < limit)) return;
      offset = page.nextOffset;
    }
  }

  /** Resolves once the calls made so far have their requests on the wire (see HttpTransport.requestsWritten). */
  requestsWritten(): Promise<void> {
    return this.connection.requestsWritten();
  }

  /** One page of records: `limit` records from `offset`. */
  async listPage<R extends object = TableRecord>(table: string, options: PageOptions): Promise<Page<R>> {
    const path = this.tablePath(table);
    const limit = checkedPageSize(options.limit, 'limit');
    const offset = options.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidClientOptionError(`offset must be a whole number ≥ 0; got ${offset}.`);
    const response = await this.call(
      'GET',
      path,
      {
        ...readParameters(options),
        sysparm_query: queryText(options.query, options.orderBySysId ?? true),
        sysparm_limit: String(limit),
        sysparm_offset: String(offset),
        sysparm_no_count: options.noCount ? 'true' : undefined,
      },
      undefined,
      options,
    );
    const target = this.target('GET', path);
    const result = resultOf(target, response.status, response.headers, response.body);
    if (!Array.isArray(result) || !result.every(isRecord)) throw this.unexpectedShape(target, response);
    const total = response.headers['x-total-count'];
    return {
      records: result as R[],
      // Not offset + records: rows an ACL hides are dropped after the limit is applied.
      nextOffset: offset + limit,
      ...(total !== undefined && /^\d+$/.test(total) ? { totalCount: Number(total) } : {}),
    };
  }

  /** Inserts one record and returns it as stored (defaults, number, sys_id filled in). */
  async create<R extends object = TableRecord>(table: string, values: WritableValues, options: WriteOptions = {}): Promise<R> {
    const path = this.tablePath(table);
    const response = await this.call('POST', path, this.writeParameters(options), values, options);
    return this.singleRecord<R>('POST', path, response);
  }

  /** Changes the given fields of one record (PATCH) and returns it as stored. */
  async update<R extends object = TableRecord>(
    table: string,
    sysId: string,
    values: WritableValues,
    options: WriteOptions = {},
  ): Promise<R> {
    const path = this.recordPath(table, sysId);
    const response = await this.call('PATCH', path, this.writeParameters(options), values, options);
    return this.singleRecord<R>('PATCH', path, response);
  }

  /** Deletes one record. Retried after network errors: deleting twice leaves the same state. */
  async delete(table: string, sysId: string, options: CallOptions = {}): Promise<void> {
    await this.call('DELETE', this.recordPath(table, sysId), {}, undefined, options);
  }

  private writeParameters(options: WriteOptions): Record<string, string | undefined> {
    return {
      ...readParameters(options),
      sysparm_input_display_value:
        options.inputDisplayValue === undefined ? undefined : String(options.inputDisplayValue),
    };
  }

  private call(
    method: HttpMethod,
    path: string,
    query: QueryParameters,
    body: WritableValues | undefined,
    options: CallOptions & { idempotent?: boolean },
  ): Promise<ServiceNowResponse> {
    return this.connection.request({
      method,
      path,
      query,
      ...(body !== undefined ? { body } : {}),
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
      ...callOptions(options),
    });
  }

  private singleRecord<R>(method: HttpMethod, path: string, response: ServiceNowResponse): R {
    const target = this.target(method, path);
    const result = resultOf(target, response.status, response.headers, response.body);
    if (!isRecord(result)) throw this.unexpectedShape(target, response);
    return result as R;
  }

  private unexpectedShape(target: RequestTarget, response: ServiceNowResponse): NotServiceNowError {
    return new NotServiceNowError({ ...target, status: response.status, bodyKind: 'json_without_servicenow_shape' });
  }

  private target(method: HttpMethod, path: string): RequestTarget {
    return { instance: this.connection.instanceUrl, method, path };
  }

  private tablePath(table: string): string {
    return `${this.basePath}/${normalizeTableName(table)}`;
  }

  private recordPath(table: string, sysId: string): string {
    return `${this.tablePath(table)}/${normalizeSysId(sysId)}`;
  }
}
