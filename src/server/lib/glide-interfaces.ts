/**
 * The narrow slices of Glide that the app's logic needs. Logic takes these as arguments, so the same
 * functions run on the instance (given the real Glide objects) and in node tests (given fakes).
 */

/** What the logic reads from a record (a GlideRecord, `current` or `previous`). */
export interface RecordReader {
  getValue(field: string): string | null;
  /**
   * The record's display value. Scoped GlideRecord documents getDisplayValue() without a field; the
   * SDK's typings declare the field, so it is optional here for a GlideRecord to be a RecordReader.
   */
  getDisplayValue(field?: string): string;
  /** A field's element (a field's display value is getElement(field).getDisplayValue() in scoped scripts). */
  getElement(field: string): ElementReader | null;
  getUniqueValue(): string;
}

/** The part of a GlideElement the logic reads. */
export interface ElementReader {
  getDisplayValue(): string;
}

/** The part of a GlideRecord the outbox store uses. */
export interface GlideRecordLike extends RecordReader {
  initialize(): void;
  addQuery(field: string, operatorOrValue: unknown, value?: unknown): unknown;
  addEncodedQuery(query: string): void;
  orderBy(field: string): void;
  orderByDesc(field: string): void;
  setLimit(limit: number): void;
  query(): void;
  next(): boolean;
  /** Whether the query has a row after the current one (GlideRecord.hasNext()). */
  hasNext(): boolean;
  get(nameOrSysId: string, value?: string): boolean;
  setValue(field: string, value: unknown): void;
  insert(): string | null;
  update(): string | null;
  deleteRecord(): boolean;
}

export type GlideRecordFactory = (table: string) => GlideRecordLike;

/** The part of a GlideAggregate the outbox store uses: counting rows in the database, grouped by a field. */
export interface GlideAggregateLike {
  addQuery(field: string, operatorOrValue: unknown, value?: unknown): unknown;
  addAggregate(aggregate: string): void;
  groupBy(field: string): void;
  query(): void;
  next(): boolean;
  /** The aggregate of the current group, as a string (getAggregate('COUNT') is "3"). */
  getAggregate(aggregate: string): string;
  /** A group-by field's value in the current group. */
  getValue(field: string): string | null;
}

export type GlideAggregateFactory = (table: string) => GlideAggregateLike;

/** What the logic reads and writes of system properties. */
export interface PropertyAccess {
  get(name: string): string | null;
  set(name: string, value: string): void;
}

/** A password2 field holding one secret: set encrypts it at rest, get returns it in clear ('' when unset). */
export interface SecretField {
  get(): string;
  set(secret: string): void;
}

/** One outbound HTTP POST, as sn_ws.RESTMessageV2 performs it. */
export interface HttpRequest {
  url: string;
  headers: { [name: string]: string };
  body: string;
  timeoutMs: number;
}

export interface HttpResult {
  /** 0 when no HTTP response arrived (connection refused, timeout, DNS…). */
  status: number;
  body: string;
  header(name: string): string | null;
  /** Set when the request failed before or instead of an HTTP response. */
  error: string | null;
}

export type HttpPost = (request: HttpRequest) => HttpResult;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
