import { IncidentSnError } from '../../../shared/errors';
import { toStringValue } from '../../records/values';
import { GlideElementImpl, GlideRecordImpl } from './glide-record';
import type { GlideHost } from './host';
import { withUnsupportedMembers } from './unsupported';

/**
 * GlideAggregate: counts records in the database, grouped by fields, without reading them into the
 * script. The part the local instance implements: addQuery / addEncodedQuery / addNullQuery /
 * addNotNullQuery (the conditions of a GlideRecord), addAggregate('COUNT'), groupBy, query, next,
 * hasNext, getAggregate('COUNT') (a string, as on the platform) and getValue(groupByField). Like
 * GlideRecord it does not apply ACLs. Without groupBy, a COUNT query gives one row even when
 * nothing matches (its count is "0"); with groupBy, one row per distinct value, ordered by the
 * group-by fields. Other aggregates (SUM, MIN, MAX, AVG) and members fail with an error naming them.
 */

interface Group {
  values: Record<string, string>;
  count: number;
}

const SUPPORTED_AGGREGATES = ['COUNT'];

function plain(value: unknown): string {
  return value instanceof GlideElementImpl ? value.toString() : toStringValue(value);
}

export function glideAggregateClass(host: GlideHost): new (table: unknown) => object {
  class GlideAggregate {
    private readonly record: GlideRecordImpl;
    private readonly table: string;
    private readonly aggregates: string[] = [];
    private readonly groups: string[] = [];
    private rows: Group[] | null = null;
    private index = -1;

    constructor(table: unknown) {
      this.table = plain(table);
      this.record = new GlideRecordImpl(host, this.table, false);
      return withUnsupportedMembers(this, 'GlideAggregate');
    }

    addQuery(...args: unknown[]): unknown {
      return (this.record.addQuery as (...a: unknown[]) => unknown).apply(this.record, args);
    }

    addEncodedQuery(query: unknown): void {
      this.record.addEncodedQuery(query);
    }

    addNullQuery(field: unknown): unknown {
      return this.record.addNullQuery(field);
    }

    addNotNullQuery(field: unknown): unknown {
      return this.record.addNotNullQuery(field);
    }

    addAggregate(aggregate: unknown, field?: unknown): void {
      const name = plain(aggregate).toUpperCase();
      if (!SUPPORTED_AGGREGATES.includes(name)) {
        throw new IncidentSnError(`GlideAggregate.addAggregate('${name}'): the local instance implements only COUNT`, { code: 'glide_aggregate_unsupported' });
      }
      if (field !== undefined && field !== null && plain(field) !== '') {
        throw new IncidentSnError(`GlideAggregate.addAggregate('COUNT', '${plain(field)}'): the local instance counts records, not distinct values of a field`, { code: 'glide_aggregate_unsupported' });
      }
      if (!this.aggregates.includes(name)) this.aggregates.push(name);
    }

    groupBy(field: unknown): void {
      const name = plain(field);
      if (!host.engine.hasTable(this.table) || !host.engine.tableMeta(this.table).columns.has(name)) {
        throw new IncidentSnError(`GlideAggregate.groupBy('${name}'): table ${this.table} has no field ${name}`, { code: 'glide_aggregate_unsupported' });
      }
      if (!this.groups.includes(name)) this.groups.push(name);
    }

    query(): void {
      const records = this.record._fetch(null);
      const byKey = new Map<string, Group>();
      for (const record of records) {
        const values: Record<string, string> = {};
        for (const field of this.groups) values[field] = toStringValue(record.values[field] ?? '');
        const key = JSON.stringify(this.groups.map((f) => values[f]));
        const group = byKey.get(key);
        if (group) group.count++;
        else byKey.set(key, { values, count: 1 });
      }
      const rows = [...byKey.values()];
      rows.sort((a, b) => {
        for (const field of this.groups) {
          const x = a.values[field] ?? '';
          const y = b.values[field] ?? '';
          if (x !== y) return x < y ? -1 : 1;
        }
        return 0;
      });
      if (this.groups.length === 0 && rows.length === 0) rows.push({ values: {}, count: 0 });
      this.rows = rows;
      this.index = -1;
    }

    next(): boolean {
      if (!this.rows || this.index + 1 >= this.rows.length) {
        if (this.rows) this.index = this.rows.length;
        return false;
      }
      this.index++;
      return true;
    }

    hasNext(): boolean {
      return this.rows !== null && this.index + 1 < this.rows.length;
    }

    private current(api: string): Group {
      const row = this.rows && this.index >= 0 ? this.rows[this.index] : undefined;
      if (!row) throw new IncidentSnError(`GlideAggregate.${api}: no current row (call query() and next() first)`, { code: 'glide_aggregate_unsupported' });
      return row;
    }

    getAggregate(aggregate: unknown, field?: unknown): string {
      const name = plain(aggregate).toUpperCase();
      if (!this.aggregates.includes(name) || (field !== undefined && field !== null && plain(field) !== '')) {
        throw new IncidentSnError(`GlideAggregate.getAggregate('${name}'${field ? `, '${plain(field)}'` : ''}): that aggregate was not added with addAggregate()`, { code: 'glide_aggregate_unsupported' });
      }
      return String(this.current('getAggregate').count);
    }

    getValue(field: unknown): string | null {
      const name = plain(field);
      const row = this.current('getValue');
      return name in row.values ? row.values[name]! : null;
    }
  }
  return GlideAggregate;
}
