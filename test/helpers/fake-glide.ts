import crypto from 'node:crypto';
import type {
  GlideAggregateFactory,
  GlideAggregateLike,
  GlideRecordFactory,
  GlideRecordLike,
  PropertyAccess,
  RecordReader,
} from '../../src/server/lib/glide-interfaces';

/**
 * An in-memory stand-in for the slice of GlideRecord the app's logic uses (GlideRecordLike), for
 * unit tests of src/server. Values are stored as strings, as on the platform; queries support the
 * operators the app uses. Integration tests run the same code on the local instance instead.
 */
export type Row = { [field: string]: string };

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
export function glideNow(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

type Condition = (row: Row) => boolean;

export class FakeDatabase {
  readonly tables = new Map<string, Row[]>();
  /** The clock used for sys_created_on / sys_updated_on. */
  nowMs = Date.UTC(2026, 0, 15, 12, 0, 0);
  /** Display values per table: the field shown by getDisplayValue(). */
  displayField: { [table: string]: string } = { sys_user: 'name', sys_user_group: 'name', cmdb_ci: 'name', cmdb_ci_service: 'name' };
  /** Choice labels per table.field.value, for getDisplayValue(field). */
  labels: { [key: string]: string } = {};
  /** Fields with a unique index, per table: an insert of a value already there is refused (insert() returns null). */
  unique: { [table: string]: string[] } = { x_incident_io_delivery_lock: ['name'], x_incident_io_outbound_event: ['event_id'] };

  rows(table: string): Row[] {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = [];
      this.tables.set(table, rows);
    }
    return rows;
  }

  insert(table: string, values: Row): Row {
    const now = glideNow(this.nowMs);
    const row: Row = { sys_id: crypto.randomBytes(16).toString('hex'), sys_created_on: now, sys_updated_on: now, sys_mod_count: '0', ...values };
    this.rows(table).push(row);
    return row;
  }

  factory(): GlideRecordFactory {
    return (table) => new FakeGlideRecord(this, table);
  }

  aggregateFactory(): GlideAggregateFactory {
    return (table) => new FakeGlideAggregate(this, table);
  }
}

/** COUNT grouped by fields, over the rows a FakeGlideRecord with the same conditions finds. */
export class FakeGlideAggregate implements GlideAggregateLike {
  private readonly record: FakeGlideRecord;
  private readonly groups: string[] = [];
  private counted = false;
  private results: Array<{ values: Row; count: number }> = [];
  private index = -1;

  constructor(db: FakeDatabase, table: string) {
    this.record = new FakeGlideRecord(db, table);
  }

  addQuery(field: string, operatorOrValue: unknown, value?: unknown): void {
    this.record.addQuery(field, operatorOrValue, value);
  }

  addAggregate(aggregate: string): void {
    if (aggregate !== 'COUNT') throw new Error(`FakeGlideAggregate.addAggregate: ${aggregate} is not supported by the fake`);
    this.counted = true;
  }

  groupBy(field: string): void {
    this.groups.push(field);
  }

  query(): void {
    this.record.query();
    const byKey = new Map<string, { values: Row; count: number }>();
    while (this.record.next()) {
      const values: Row = {};
      for (const field of this.groups) values[field] = this.record.getValue(field) ?? '';
      const key = JSON.stringify(values);
      const group = byKey.get(key) ?? { values, count: 0 };
      group.count++;
      byKey.set(key, group);
    }
    this.results = [...byKey.values()];
    if (this.groups.length === 0 && this.results.length === 0) this.results.push({ values: {}, count: 0 });
    this.index = -1;
  }

  next(): boolean {
    this.index++;
    return this.index < this.results.length;
  }

  getAggregate(aggregate: string): string {
    if (aggregate !== 'COUNT' || !this.counted) throw new Error(`FakeGlideAggregate.getAggregate: ${aggregate} was not added`);
    return String(this.results[this.index]!.count);
  }

  getValue(field: string): string | null {
    return this.results[this.index]?.values[field] ?? null;
  }
}

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && !isNaN(na) && !isNaN(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function condition(field: string, op: string, expected: string): Condition {
  const get = (row: Row) => row[field] ?? '';
  const conditions: { [op: string]: Condition } = {
    '=': (row) => get(row) === expected,
    '!=': (row) => get(row) !== expected,
    IN: (row) => expected.split(',').includes(get(row)),
    'NOT IN': (row) => !expected.split(',').includes(get(row)),
    '<': (row) => get(row) !== '' && compare(get(row), expected) < 0,
    '<=': (row) => get(row) !== '' && compare(get(row), expected) <= 0,
    '>': (row) => get(row) !== '' && compare(get(row), expected) > 0,
    '>=': (row) => get(row) !== '' && compare(get(row), expected) >= 0,
  };
  const found = conditions[op];
  if (!found) throw new Error(`FakeGlideRecord: operator ${op} is not supported by the fake`);
  return found;
}

export class FakeGlideRecord implements GlideRecordLike {
  private conditions: Condition[] = [];
  private order: { field: string; desc: boolean }[] = [];
  private limit = Infinity;
  private results: Row[] = [];
  private index = -1;
  private current: Row | null = null;
  private pending: Row = {};
  private isNew = false;

  constructor(
    private readonly db: FakeDatabase,
    readonly table: string,
  ) {}

  initialize(): void {
    this.current = null;
    this.pending = {};
    this.isNew = true;
  }

  addQuery(field: string, operatorOrValue: unknown, value?: unknown): void {
    const op = value === undefined ? '=' : String(operatorOrValue);
    this.conditions.push(condition(field, op, String(value === undefined ? operatorOrValue : value)));
  }

  /** Conditions joined by ^, groups of them by ^NQ (ORed), ORDERBY clauses, as the platform reads them. */
  addEncodedQuery(query: string): void {
    const groups: Condition[][] = [];
    for (const group of query.split('^NQ')) {
      const conditions: Condition[] = [];
      for (const clause of group.split('^')) {
        if (clause.startsWith('ORDERBY')) {
          this.orderBy(clause.slice('ORDERBY'.length));
          continue;
        }
        const empty = /^([a-z_]+)(ISNOTEMPTY|ISEMPTY)$/.exec(clause);
        if (empty) {
          const [, field, op] = empty;
          conditions.push((row) => ((row[field!] ?? '') === '') === (op === 'ISEMPTY'));
          continue;
        }
        const m = /^([a-z_]+)(>=|<=|!=|=|<|>|IN)(.*)$/.exec(clause);
        if (!m) throw new Error(`FakeGlideRecord.addEncodedQuery: clause ${clause} is not supported by the fake`);
        conditions.push(condition(m[1]!, m[2]!, m[3]!));
      }
      groups.push(conditions);
    }
    this.conditions.push((row) => groups.some((group) => group.every((c) => c(row))));
  }

  orderBy(field: string): void {
    this.order.push({ field, desc: false });
  }

  orderByDesc(field: string): void {
    this.order.push({ field, desc: true });
  }

  setLimit(limit: number): void {
    this.limit = limit;
  }

  query(): void {
    const matched = this.db.rows(this.table).filter((row) => this.conditions.every((c) => c(row)));
    matched.sort((a, b) => {
      for (const { field, desc } of this.order) {
        const c = compare(a[field] ?? '', b[field] ?? '');
        if (c !== 0) return desc ? -c : c;
      }
      return 0;
    });
    this.results = matched.slice(0, this.limit);
    this.index = -1;
  }

  next(): boolean {
    this.index++;
    this.current = this.results[this.index] ?? null;
    this.pending = {};
    this.isNew = false;
    return this.current !== null;
  }

  hasNext(): boolean {
    return this.index + 1 < this.results.length;
  }

  get(nameOrSysId: string, value?: string): boolean {
    const [field, expected] = value === undefined ? ['sys_id', nameOrSysId] : [nameOrSysId, value];
    this.current = this.db.rows(this.table).find((row) => row[field] === expected) ?? null;
    this.pending = {};
    this.isNew = false;
    return this.current !== null;
  }

  getValue(field: string): string | null {
    const v = field in this.pending ? this.pending[field] : this.current?.[field];
    return v === undefined || v === '' ? null : v;
  }

  getDisplayValue(): string {
    return this.getValue(this.db.displayField[this.table] ?? 'sys_id') ?? '';
  }

  getElement(field: string): { getDisplayValue(): string } {
    return {
      getDisplayValue: () => {
        const v = this.getValue(field) ?? '';
        return this.db.labels[`${this.table}.${field}.${v}`] ?? v;
      },
    };
  }

  getUniqueValue(): string {
    return this.current?.sys_id ?? this.pending.sys_id ?? '';
  }

  setValue(field: string, value: unknown): void {
    this.pending[field] = value === null || value === undefined ? '' : String(value);
  }

  insert(): string | null {
    const rows = this.db.rows(this.table);
    for (const field of this.db.unique[this.table] ?? []) {
      const value = this.pending[field];
      if (value !== undefined && value !== '' && rows.some((r) => r[field] === value)) return null;
    }
    const row = this.db.insert(this.table, this.pending);
    this.current = row;
    this.pending = {};
    this.isNew = false;
    return row.sys_id!;
  }

  update(): string | null {
    if (this.isNew) return this.insert();
    if (!this.current) return null;
    // As the platform: an update that changes no field writes nothing (no sys_mod_count, no rules).
    if (Object.keys(this.pending).every((field) => (this.current![field] ?? '') === this.pending[field])) {
      this.pending = {};
      return this.current.sys_id!;
    }
    Object.assign(this.current, this.pending, {
      sys_updated_on: glideNow(this.db.nowMs),
      sys_mod_count: String(Number(this.current.sys_mod_count ?? '0') + 1),
    });
    this.pending = {};
    return this.current.sys_id!;
  }

  deleteRecord(): boolean {
    if (!this.current) return false;
    const rows = this.db.rows(this.table);
    const at = rows.indexOf(this.current);
    if (at >= 0) rows.splice(at, 1);
    this.current = null;
    return at >= 0;
  }

}

/** A record reader over plain values, for `current`/`previous` in business-rule tests. */
export function recordOf(values: Row, labels: Row = {}): RecordReader {
  return {
    getValue: (field) => (values[field] === undefined || values[field] === '' ? null : values[field]!),
    getDisplayValue: () => '',
    getElement: (field) => ({ getDisplayValue: () => labels[field] ?? values[field] ?? '' }),
    getUniqueValue: () => values.sys_id ?? '',
  };
}

export function fakeProperties(values: { [name: string]: string } = {}): PropertyAccess & { values: { [name: string]: string } } {
  return {
    values,
    get: (name) => values[name] ?? null,
    set: (name, value) => {
      values[name] = value;
    },
  };
}
