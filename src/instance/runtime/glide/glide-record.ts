// Why one file of over 500 lines: GlideRecord and GlideElement are one platform API surface and
// depend on each other (a record's fields are elements; an element dot-walks a reference into a
// record), and they share the proxy handlers, the per-column value normalisation and the ACL refusal
// handling. Splitting them would put the two halves of each dot-walk in different files.

import { IncidentSnError } from '../../../shared/errors';
import type { ColumnMeta, TableMeta } from '../../db/dictionary';
import { AclDeniedError, DataPolicyError, InvalidRequestError, OperationAbortedError, RecordNotFoundError } from '../../errors';
import { FIELD_PATH, escapeQueryValue } from '../../query';
import type { RecordOperation, RecordSnapshot, RecordValues } from '../../records/hooks';
import type { Session } from '../../records/session';
import { isSysId, newSysId, normalizeForType, parseDateTime, toStringValue } from '../../records/values';
import { GlideDateTimeImpl } from './glide-date-time';
import { checkPassword2Assignment, decryptPassword2, isPassword2, PASSWORD2_DISPLAY_VALUE } from './password2';
import type { GlideHost } from './host';
import { unsupportedFunction, withUnsupportedMembers } from './unsupported';

/**
 * GlideRecord and GlideRecordSecure over the record engine, and GlideElement for their fields.
 *
 * Fields are properties (`gr.state`, `current.caller_id.email`) returning GlideElement objects; an
 * assignment (`current.state = 2`) sets the value. Plain GlideRecord bypasses ACLs, as on the
 * platform; GlideRecordSecure applies them (rows the user may not read are left out, refused writes
 * return null/false). setWorkflow(false) turns business rules off for the record's writes.
 *
 * Boolean fields: the platform stores booleans as 1/0, and GlideRecord.getValue() / GlideElement
 * getValue() return that stored form ("1" / "0"), while toString() and getDisplayValue() give
 * "true" / "false". The engine stores "true"/"false" (what the Table API shows), so getValue()
 * converts. Code that reads booleans should accept both (the app's isTrue() does).
 */

/** Operators GlideRecord.addQuery() accepts, as encoded-query operators. */
const QUERY_OPERATORS: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '!=',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  IN: 'IN',
  'NOT IN': 'NOT IN',
  STARTSWITH: 'STARTSWITH',
  ENDSWITH: 'ENDSWITH',
  CONTAINS: 'LIKE',
  'DOES NOT CONTAIN': 'NOT LIKE',
  LIKE: 'LIKE',
  'NOT LIKE': 'NOT LIKE',
  ISEMPTY: 'ISEMPTY',
  ISNOTEMPTY: 'ISNOTEMPTY',
  SAMEAS: 'SAMEAS',
  NSAMEAS: 'NSAMEAS',
  BETWEEN: 'BETWEEN',
};
const UNARY = new Set(['ISEMPTY', 'ISNOTEMPTY']);

/** GlideRecord methods that exist on the platform but not here: calling one names it. */
const UNSUPPORTED_METHODS = [
  'addJoinQuery',
  'addDomainQuery',
  'applyTemplate',
  'getAttribute',
  'insertWithReferences',
  'updateWithReferences',
  'saveLocation',
  'restoreLocation',
  'getLocation',
  'setLocation',
  'setQueryReferences',
  'addFunction',
  'setDateNumericValue',
];

/** Failures of a write the platform reports by returning null/false rather than throwing. */
function isRefusal(err: unknown): boolean {
  return (
    err instanceof OperationAbortedError ||
    err instanceof AclDeniedError ||
    err instanceof DataPolicyError ||
    err instanceof RecordNotFoundError ||
    err instanceof InvalidRequestError ||
    // A unique index (an app table's) refusing a duplicate.
    (err instanceof Error && (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
  );
}

/** A script value as the stored string form of a column (GlideElements give their value). */
function plainValue(value: unknown): string {
  if (value instanceof GlideElementImpl) return value.rawValue();
  if (value instanceof GlideRecordImpl) return value._s.values.sys_id ?? '';
  if (value instanceof GlideDateTimeImpl) return value.getValue();
  return toStringValue(value);
}

function normalizeFor(column: ColumnMeta | undefined, value: string): string {
  if (!column || value === '') return value;
  if (column.type === 'boolean' || column.type === 'integer' || column.type === 'glide_date_time' || column.type === 'glide_date' || column.type === 'decimal') {
    return normalizeForType(column.type, value) ?? value;
  }
  return value;
}

export interface RecordBinding {
  /** The record's class. */
  table: string;
  /** Live values: a before rule's changes go straight into the operation's values. */
  values: RecordValues;
  /** What changes() compares with: `previous`'s values (empty on insert). */
  original: RecordValues | null;
  operation: RecordOperation;
  /** True for `current` of a before-insert rule (isNewRecord()). */
  isNew: boolean;
}

interface RecordState {
  host: GlideHost;
  table: string;
  meta: TableMeta | null;
  secure: boolean;
  groups: string[][];
  encoded: string[];
  order: string[];
  limit: number | null;
  offset: number;
  rows: RecordSnapshot[] | null;
  index: number;
  values: RecordValues;
  original: RecordValues;
  dirty: Set<string>;
  isNew: boolean;
  valid: boolean;
  recordClass: string;
  workflow: boolean;
  abort: boolean;
  operation: RecordOperation | null;
  lastError: string;
  elements: Map<string, GlideElementImpl>;
  bound: Map<string, unknown>;
  proxy: GlideRecordImpl;
}

/** The condition object addQuery() returns: addOrCondition() ORs with it. */
class QueryConditionImpl {
  constructor(
    private readonly record: GlideRecordImpl,
    private readonly group: string[],
  ) {}
  addOrCondition(field: unknown, operatorOrValue?: unknown, value?: unknown): QueryConditionImpl {
    const clause = this.record._clause(field, operatorOrValue, value, arguments.length);
    if (clause) this.group.push(clause);
    return this;
  }
  addCondition(field: unknown, operatorOrValue?: unknown, value?: unknown): QueryConditionImpl {
    return this.record.addQuery(field, operatorOrValue, value);
  }
}

export class GlideRecordImpl {
  readonly _s: RecordState;

  constructor(host: GlideHost, table: unknown, secure: boolean) {
    const name = String(table ?? '');
    host.engine.checkMetadata();
    const meta = host.engine.hasTable(name) ? host.engine.tableMeta(name) : null;
    this._s = {
      host,
      table: name,
      meta,
      secure,
      groups: [],
      encoded: [],
      order: [],
      limit: null,
      offset: 0,
      rows: null,
      index: -1,
      values: {},
      original: {},
      dirty: new Set(),
      isNew: false,
      valid: false,
      recordClass: name,
      workflow: true,
      abort: false,
      operation: null,
      lastError: '',
      elements: new Map(),
      bound: new Map(),
      proxy: this,
    };
    const proxy = new Proxy(this, RECORD_HANDLER);
    this._s.proxy = proxy;
    return proxy;
  }

  /** A GlideRecord over a business rule's record (`current` / `previous`). */
  static bound(host: GlideHost, binding: RecordBinding): GlideRecordImpl {
    const record = new GlideRecordImpl(host, binding.table, false);
    const s = record._s;
    s.values = binding.values;
    s.original = binding.original ?? {};
    s.valid = true;
    s.isNew = binding.isNew;
    s.recordClass = binding.table;
    s.operation = binding.operation;
    return record;
  }

  // ── fields ──────────────────────────────────────────────────────────────
  /** @internal */
  _column(name: string): ColumnMeta | undefined {
    return this._s.meta?.columns.get(name);
  }

  /** @internal */
  _raw(name: string): string {
    return this._s.values[name] ?? '';
  }

  /** @internal */
  _snapshot(): RecordSnapshot {
    const s = this._s;
    return { table: s.recordClass, sysId: s.values.sys_id ?? '', values: s.values };
  }

  getElement(name: unknown): GlideElementImpl | null {
    const path = String(name ?? '');
    if (path.includes('.')) {
      const [head, ...rest] = path.split('.');
      const element = this.getElement(head);
      if (!element || !element._s.column.reference) return null;
      const ref = element.getRefRecord() as unknown as GlideRecordImpl;
      return ref.getElement(rest.join('.'));
    }
    const s = this._s;
    const column = this._column(path);
    if (!column) return null;
    let element = s.elements.get(path);
    if (!element) {
      element = GlideElementImpl.create(this, path, column);
      s.elements.set(path, element);
    }
    return element;
  }

  getElements(): GlideElementImpl[] {
    return [...(this._s.meta?.columns.keys() ?? [])].map((name) => this.getElement(name) as GlideElementImpl);
  }

  isValidField(name: unknown): boolean {
    return this.getElement(name) !== null;
  }

  getValue(name: unknown): string | null {
    const path = String(name ?? '');
    if (path.includes('.')) {
      const element = this.getElement(path);
      return element ? element.getValue() : null;
    }
    const column = this._column(path);
    if (!column) return null;
    const raw = this._raw(path);
    if (raw === '') return null;
    if (column.type === 'boolean') return raw === 'true' ? '1' : '0';
    return raw;
  }

  setValue(name: unknown, value: unknown): void {
    const field = String(name ?? '');
    const column = this._column(field);
    if (!column) return;
    const s = this._s;
    const text = plainValue(value);
    if (isPassword2(column)) checkPassword2Assignment(s.table, column, text);
    s.values[field] = normalizeFor(column, text);
    s.dirty.add(field);
  }

  /** @internal Stores an already encrypted password2 value (GlideElement.setDisplayValue). */
  _setEncrypted(field: string, clear: string): void {
    const s = this._s;
    s.values[field] = clear === '' ? '' : s.host.engine.encrypt(clear);
    s.dirty.add(field);
  }

  getDisplayValue(name?: unknown): string {
    const s = this._s;
    if (!s.meta) return '';
    if (name === undefined || name === null || name === '') return this._display(s.meta.displayColumn);
    const scope = s.host.frame()?.scope ?? 'global';
    if (scope !== 'global') {
      // The scoped API reference documents getDisplayValue() without arguments only.
      throw new IncidentSnError(`GlideRecord.getDisplayValue('${String(name)}') in a scoped script (scope '${scope}'): use getElement('${String(name)}').getDisplayValue()`, { code: 'glide_scoped_api_refused' });
    }
    const path = String(name);
    if (path.includes('.')) {
      const element = this.getElement(path);
      return element ? element.getDisplayValue() : '';
    }
    return this._column(path) ? this._display(path) : '';
  }

  /** @internal */
  _display(field: string): string {
    const s = this._s;
    const column = this._column(field);
    if (!column) return '';
    if (column.type === 'boolean') return this._raw(field);
    if (isPassword2(column)) return PASSWORD2_DISPLAY_VALUE;
    return s.host.engine.displayValue(this._snapshot(), field);
  }

  getUniqueValue(): string {
    return this._s.values.sys_id ?? '';
  }

  getTableName(): string {
    return this._s.table;
  }

  getRecordClassName(): string {
    return this._s.values.sys_class_name || this._s.recordClass;
  }

  getClassDisplayValue(): string {
    return this._s.host.engine.dictionary().table(this.getRecordClassName())?.label ?? '';
  }

  getLabel(): string {
    return this._s.meta?.label ?? '';
  }

  getLink(noStack?: boolean): string {
    return `${this._s.table}.do?sys_id=${this.getUniqueValue()}${noStack ? '' : '&sysparm_stack=' + this._s.table + '_list.do'}`;
  }

  isValid(): boolean {
    return this._s.meta !== null;
  }

  isValidRecord(): boolean {
    return this._s.valid;
  }

  isNewRecord(): boolean {
    return this._s.isNew;
  }

  operation(): string | null {
    return this._s.operation;
  }

  setAbortAction(abort: unknown): void {
    this._s.abort = Boolean(abort);
  }

  isActionAborted(): boolean {
    return this._s.abort;
  }

  setWorkflow(enabled: unknown): void {
    this._s.workflow = Boolean(enabled);
  }

  /** Accepted for compatibility; the engine always maintains the sys fields. */
  autoSysFields(_enabled: unknown): void {}

  setForceUpdate(_force: unknown): void {}

  setCategory(_category: unknown): void {}

  getLastErrorMessage(): string {
    return this._s.lastError;
  }

  // ── queries ─────────────────────────────────────────────────────────────
  /** @internal One encoded condition from addQuery-style arguments (null when it adds nothing). */
  _clause(field: unknown, operatorOrValue: unknown, value: unknown, argc: number): string | null {
    const name = String(field ?? '');
    if (argc <= 1) return null;
    let operator = '=';
    let operand: unknown = operatorOrValue;
    if (argc >= 3) {
      operator = QUERY_OPERATORS[String(operatorOrValue ?? '').toUpperCase()] ?? '';
      operand = value;
      // An operator the platform does not know is taken as a value compared with '='.
      if (!operator) {
        operator = '=';
        operand = operatorOrValue;
      }
    } else if (Array.isArray(operand)) {
      operator = 'IN';
    }
    // A field name that is not one (user input pasted in) must not inject clauses: the engine then
    // treats the condition as invalid, as the platform does.
    const safeField = FIELD_PATH.test(name) ? name : 'invalid_field_name';
    if (UNARY.has(operator)) return `${safeField}${operator}`;
    const text = Array.isArray(operand) ? operand.map(plainValue).join(',') : plainValue(operand);
    return `${safeField}${operator}${escapeQueryValue(text)}`;
  }

  addQuery(field: unknown, operatorOrValue?: unknown, value?: unknown): QueryConditionImpl {
    const s = this._s;
    const group: string[] = [];
    if (arguments.length <= 1) {
      this.addEncodedQuery(field);
    } else {
      const clause = this._clause(field, operatorOrValue, value, arguments.length);
      if (clause) group.push(clause);
      s.groups.push(group);
    }
    return withUnsupportedMembers(new QueryConditionImpl(s.proxy, group), 'QueryCondition');
  }

  addEncodedQuery(query: unknown): void {
    const text = plainValue(query).trim();
    if (text) this._s.encoded.push(text);
  }

  addNullQuery(field: unknown): QueryConditionImpl {
    return this.addQuery(field, 'ISEMPTY', '');
  }

  addNotNullQuery(field: unknown): QueryConditionImpl {
    return this.addQuery(field, 'ISNOTEMPTY', '');
  }

  addActiveQuery(): QueryConditionImpl {
    return this.addQuery('active', true);
  }

  addInactiveQuery(): QueryConditionImpl {
    return this.addQuery('active', false);
  }

  orderBy(field: unknown): void {
    this._s.order.push(`ORDERBY${String(field)}`);
  }

  orderByDesc(field: unknown): void {
    this._s.order.push(`ORDERBYDESC${String(field)}`);
  }

  setLimit(limit: unknown): void {
    const n = Number(limit);
    this._s.limit = Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
  }

  chooseWindow(first: unknown, last: unknown): void {
    const from = Math.max(0, Math.floor(Number(first) || 0));
    const to = Math.max(from, Math.floor(Number(last) || 0));
    this._s.offset = from;
    this._s.limit = to - from;
  }

  getEncodedQuery(): string {
    const s = this._s;
    const parts = [...s.groups.filter((g) => g.length > 0).map((g) => g.join('^OR')), ...s.encoded, ...s.order];
    return parts.join('^');
  }

  isEncodedQueryValid(query: unknown): boolean {
    const s = this._s;
    if (!s.meta) return false;
    try {
      s.host.engine.query(s.table, { query: plainValue(query), limit: 0, session: s.host.engine.systemSession() });
      return true;
    } catch {
      return false;
    }
  }

  query(field?: unknown, value?: unknown): void {
    const s = this._s;
    if (arguments.length >= 2) this.addQuery(field, value);
    s.rows = this._fetch(s.limit, s.offset);
    s.index = -1;
    this.clearRecord();
  }

  /** @internal */
  _fetch(limit: number | null, offset = 0): RecordSnapshot[] {
    const s = this._s;
    if (!s.meta) return [];
    try {
      return s.host.engine.query(s.table, { query: this.getEncodedQuery(), limit, offset, session: s.host.session(), enforceAcl: s.secure }).records;
    } catch (err) {
      if (s.secure && err instanceof AclDeniedError) return [];
      throw err;
    }
  }

  next(): boolean {
    const s = this._s;
    if (!s.rows || s.index + 1 >= s.rows.length) {
      if (s.rows) s.index = s.rows.length;
      this.clearRecord();
      return false;
    }
    s.index++;
    this._load(s.rows[s.index]);
    return true;
  }

  hasNext(): boolean {
    const s = this._s;
    return s.rows !== null && s.index + 1 < s.rows.length;
  }

  getRowCount(): number {
    return this._s.rows?.length ?? 0;
  }

  get(nameOrId: unknown, value?: unknown): boolean {
    const s = this._s;
    s.rows = null;
    s.index = -1;
    this.clearRecord();
    if (!s.meta) return false;
    let found: RecordSnapshot | null = null;
    if (arguments.length >= 2 && value !== undefined) {
      const clause = this._clause(nameOrId, value, undefined, 2);
      found = clause ? this.first(clause) : null;
    } else {
      const key = plainValue(nameOrId);
      if (!key) return false;
      if (isSysId(key)) found = this.readById(key);
      // One argument that is not a sys_id of the table: the platform also tries the display field.
      if (!found) found = this.first(`${s.meta.displayColumn}=${escapeQueryValue(key)}`);
    }
    if (!found) return false;
    this._load(found);
    return true;
  }

  private readById(sysId: string): RecordSnapshot | null {
    const s = this._s;
    return s.host.engine.get(s.table, sysId, { session: s.host.session(), enforceAcl: s.secure });
  }

  private first(encoded: string): RecordSnapshot | null {
    const s = this._s;
    try {
      return s.host.engine.query(s.table, { query: encoded, limit: 1, session: s.host.session(), enforceAcl: s.secure }).records[0] ?? null;
    } catch (err) {
      if (s.secure && err instanceof AclDeniedError) return null;
      throw err;
    }
  }

  /** @internal */
  _load(record: RecordSnapshot): void {
    const s = this._s;
    s.values = { ...record.values };
    s.original = { ...record.values };
    s.dirty = new Set();
    s.isNew = false;
    s.valid = true;
    s.recordClass = record.table;
  }

  private clearRecord(): void {
    const s = this._s;
    s.values = {};
    s.original = {};
    s.dirty = new Set();
    s.isNew = false;
    s.valid = false;
  }

  // ── writes ──────────────────────────────────────────────────────────────
  initialize(): void {
    const s = this._s;
    s.rows = null;
    s.index = -1;
    this.clearRecord();
    s.isNew = true;
  }

  newRecord(): void {
    this.initialize();
    this._s.values.sys_id = newSysId();
    this._s.dirty.add('sys_id');
  }

  setNewGuidValue(sysId: unknown): void {
    this._s.values.sys_id = plainValue(sysId);
    this._s.dirty.add('sys_id');
  }

  private changedInput(): Record<string, string> {
    const s = this._s;
    const input: Record<string, string> = {};
    for (const field of s.dirty) input[field] = s.values[field] ?? '';
    return input;
  }

  private refused(err: unknown): null {
    this._s.lastError = err instanceof Error ? err.message : String(err);
    return null;
  }

  insert(): string | null {
    const s = this._s;
    if (!s.meta) return null;
    return this.written(() => s.host.engine.insert(s.table, this.changedInput(), this.writeOptions()));
  }

  update(_reason?: unknown): string | null {
    const s = this._s;
    if (!s.meta) return null;
    if (s.isNew || !s.valid || !s.values.sys_id) return this.insert();
    const sysId = s.values.sys_id;
    return this.written(() => s.host.engine.update(s.table, sysId, this.changedInput(), this.writeOptions()));
  }

  /** How this object's writes run: as the session's user, with ACLs when secure, business rules unless setWorkflow(false). */
  private writeOptions(): { session: Session; enforceAcl: boolean; runBusinessRules: boolean } {
    const s = this._s;
    return { session: s.host.session(), enforceAcl: s.secure, runBusinessRules: s.workflow };
  }

  /** Runs one insert or update and loads the stored record: its sys_id, or null when refused (the reason kept for getLastErrorMessage). */
  private written(write: () => RecordSnapshot): string | null {
    try {
      const record = write();
      this._load(record);
      this._s.lastError = '';
      return record.sysId;
    } catch (err) {
      if (isRefusal(err)) return this.refused(err);
      throw err;
    }
  }

  deleteRecord(): boolean {
    const s = this._s;
    if (!s.meta || !s.valid || !s.values.sys_id) return false;
    try {
      s.host.engine.delete(s.table, s.values.sys_id, this.writeOptions());
      this.clearRecord();
      return true;
    } catch (err) {
      if (isRefusal(err)) {
        this.refused(err);
        return false;
      }
      throw err;
    }
  }

  deleteMultiple(): void {
    const s = this._s;
    for (const record of this._fetch(null)) {
      try {
        s.host.engine.delete(s.table, record.sysId, this.writeOptions());
      } catch (err) {
        if (!isRefusal(err)) throw err;
        this.refused(err);
      }
    }
  }

  updateMultiple(): void {
    const s = this._s;
    const input = this.changedInput();
    for (const record of this._fetch(s.limit, s.offset)) {
      try {
        s.host.engine.update(s.table, record.sysId, input, this.writeOptions());
      } catch (err) {
        if (!isRefusal(err)) throw err;
        this.refused(err);
      }
    }
  }

  // ── access checks ───────────────────────────────────────────────────────
  private can(operation: 'read' | 'write' | 'create' | 'delete'): boolean {
    const s = this._s;
    if (!s.meta) return false;
    const session = s.host.session();
    const record = s.valid ? { table: s.meta, values: s.values } : undefined;
    return s.host.engine.acl.checkTable(operation, s.meta, session, record);
  }
  canRead(): boolean {
    return this.can('read');
  }
  canWrite(): boolean {
    return this.can('write');
  }
  canCreate(): boolean {
    return this.can('create');
  }
  canDelete(): boolean {
    return this.can('delete');
  }

  toString(): string {
    return `GlideRecord(${this._s.table})`;
  }
}

for (const name of UNSUPPORTED_METHODS) {
  Object.defineProperty(GlideRecordImpl.prototype, name, { value: unsupportedFunction(`GlideRecord.${name}`), writable: true, configurable: true });
}

/** Methods are bound to the record itself (not the proxy), so they reach its state directly. */
function boundMember(target: { _s: { bound: Map<string, unknown> } }, prop: string, value: unknown): unknown {
  if (typeof value !== 'function') return value;
  const cache = target._s.bound;
  let fn = cache.get(prop);
  if (!fn) {
    fn = (value as (...args: unknown[]) => unknown).bind(target);
    cache.set(prop, fn);
  }
  return fn;
}

const RECORD_HANDLER: ProxyHandler<GlideRecordImpl> = {
  get(target, prop, receiver) {
    if (typeof prop === 'symbol') return Reflect.get(target, prop, receiver);
    if (prop in target) return boundMember(target, prop, Reflect.get(target, prop, receiver));
    return target.getElement(prop) ?? undefined;
  },
  set(target, prop, value, receiver) {
    if (typeof prop === 'string' && !(prop in target) && target._column(prop)) {
      target.setValue(prop, value);
      return true;
    }
    return Reflect.set(target, prop, value, receiver);
  },
  has(target, prop) {
    return prop in target || (typeof prop === 'string' && target._column(prop) !== undefined);
  },
};

/** A field of a GlideRecord. Reference fields dot-walk: `current.caller_id.email`. */
interface ElementState {
  record: GlideRecordImpl;
  name: string;
  column: ColumnMeta;
  bound: Map<string, unknown>;
  refKey: string;
  ref: GlideRecordImpl | null;
}

export class GlideElementImpl {
  // All state lives in `_s`: any other own property would hide a dot-walked field of the same name.
  readonly _s: ElementState;

  private constructor(record: GlideRecordImpl, name: string, column: ColumnMeta) {
    this._s = { record, name, column, bound: new Map(), refKey: '', ref: null };
  }

  static create(record: GlideRecordImpl, name: string, column: ColumnMeta): GlideElementImpl {
    const element = new GlideElementImpl(record, name, column);
    return column.type === 'reference' && column.reference ? new Proxy(element, ELEMENT_HANDLER) : withUnsupportedMembers(element, 'GlideElement');
  }

  /** @internal The stored value ('' when empty). */
  rawValue(): string {
    return this._s.record._raw(this._s.name);
  }

  private originalValue(): string {
    return this._s.record._s.original[this._s.name] ?? '';
  }

  getValue(): string | null {
    return this._s.record.getValue(this._s.name);
  }

  setValue(value: unknown): void {
    this._s.record.setValue(this._s.name, value);
  }

  setDisplayValue(value: unknown): void {
    const { record, name, column } = this._s;
    const text = plainValue(value);
    const engine = record._s.host.engine;
    if (isPassword2(column)) {
      record._setEncrypted(name, text);
      return;
    }
    if (column.type === 'reference' && column.reference) {
      this.setValue(engine.lookupReference(column.reference, text, false) ?? '');
      return;
    }
    const choice = engine.dictionary().choiceValue(record._s.table, name, text);
    this.setValue(choice ?? text);
  }

  getDisplayValue(): string {
    return this._s.record._display(this._s.name);
  }

  toString(): string {
    return this.rawValue();
  }

  [Symbol.toPrimitive](hint: string): string | number | boolean {
    const raw = this.rawValue();
    if (this._s.column.type === 'boolean') {
      // `current.active == true` holds on the platform; a string would not compare equal.
      return hint === 'string' ? raw : hint === 'number' ? (raw === 'true' ? 1 : 0) : raw === 'true';
    }
    return hint === 'number' ? Number(raw) : raw;
  }

  nil(): boolean {
    return this.rawValue() === '';
  }

  changes(): boolean {
    return this.rawValue() !== this.originalValue();
  }

  changesFrom(value: unknown): boolean {
    return this.changes() && this.originalValue() === normalizeFor(this._s.column, plainValue(value));
  }

  changesTo(value: unknown): boolean {
    return this.changes() && this.rawValue() === normalizeFor(this._s.column, plainValue(value));
  }

  getBooleanValue(): boolean {
    return this.rawValue() === 'true';
  }

  getDecryptedValue(): string {
    const { record, column } = this._s;
    const raw = this.rawValue();
    if (!isPassword2(column) || !record._s.meta) return raw;
    return decryptPassword2(record._s.host, record._s.meta, column, raw);
  }

  getReferenceTable(): string {
    return this._s.column.reference ?? '';
  }

  getRefRecord(): GlideRecordImpl {
    const s = this._s;
    const raw = this.rawValue();
    if (s.ref && s.refKey === raw) return s.ref;
    const ref = new GlideRecordImpl(s.record._s.host, s.column.reference ?? '', s.record._s.secure);
    if (raw) ref.get(raw);
    s.ref = ref;
    s.refKey = raw;
    return ref;
  }

  getGlideObject(): GlideDateTimeImpl | null {
    const type = this._s.column.type;
    if (type !== 'glide_date_time' && type !== 'glide_date') return null;
    return new GlideDateTimeImpl(this._s.record._s.host, this.rawValue());
  }

  dateNumericValue(): number {
    return parseDateTime(this.rawValue()) ?? 0;
  }

  getName(): string {
    return this._s.name;
  }

  getLabel(): string {
    return this._s.column.label;
  }

  getTableName(): string {
    return this._s.column.definedOn;
  }

  getED(): object {
    const column = this._s.column;
    return withUnsupportedMembers(
      {
        getName: () => column.name,
        getLabel: () => column.label,
        getInternalType: () => column.type,
        getReference: () => column.reference ?? '',
        isMandatory: () => column.mandatory,
        getLength: () => column.maxLength ?? 0,
      },
      'ElementDescriptor',
    );
  }
}

const ELEMENT_HANDLER: ProxyHandler<GlideElementImpl> = {
  get(target, prop, receiver) {
    if (typeof prop === 'symbol') return Reflect.get(target, prop, receiver);
    if (prop in target) return boundMember(target, prop, Reflect.get(target, prop, receiver));
    // Dot-walk into the referenced record.
    const ref = target.getRefRecord();
    if (ref._column(prop)) return ref.getElement(prop);
    return unsupportedFunction(`GlideElement.${prop}`);
  },
};

/** GlideRecord / GlideRecordSecure constructors as scripts see them. */
export function glideRecordClasses(host: GlideHost): { GlideRecord: unknown; GlideRecordSecure: unknown } {
  function GlideRecord(table: unknown): GlideRecordImpl {
    return new GlideRecordImpl(host, table, false);
  }
  GlideRecord.prototype = GlideRecordImpl.prototype;
  function GlideRecordSecure(table: unknown): GlideRecordImpl {
    return new GlideRecordImpl(host, table, true);
  }
  GlideRecordSecure.prototype = GlideRecordImpl.prototype;
  return { GlideRecord, GlideRecordSecure };
}

