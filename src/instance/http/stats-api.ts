import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ColumnMeta, TableMeta } from '../db/dictionary';
import { AclDeniedError, InvalidRequestError } from '../errors';
import type { RecordValues } from '../records/hooks';
import { requireSession } from './context';
import { describeInstanceError, sendError } from './errors';
import { responseFormat } from './formats';
import { nameValueFilter } from './name-value-filter';

/**
 * The Aggregate API, `GET /api/now/stats/{table}` (and `/api/now/v1/stats/{table}`): count, avg,
 * min, max and sum over the records an encoded query (or name-value pairs) selects, optionally
 * grouped by fields and filtered with sysparm_having. The user must be able to read every record
 * the query selects: if a read ACL hides any of them the answer is 403, as the API documentation
 * says. Aggregates run over the matching rows in memory (fine at an emulator's volumes).
 */
export const STATS_API_PREFIXES = ['/api/now/stats', '/api/now/v1/stats'] as const;

const AGGREGATES = ['avg', 'min', 'max', 'sum'] as const;
type Aggregate = (typeof AGGREGATES)[number];
type Query = Record<string, string | string[] | undefined>;
type StatsRequest = FastifyRequest<{ Params: { table: string }; Querystring: Query }>;

interface Stats {
  count?: string;
  avg?: Record<string, string>;
  min?: Record<string, string>;
  max?: Record<string, string>;
  sum?: Record<string, string>;
}

interface Having {
  aggregate: Aggregate | 'count';
  field: string;
  operator: '=' | '!=' | '>' | '<' | '>=' | '<=';
  value: number;
}

const HAVING_OPERATORS = new Set(['=', '!=', '>', '<', '>=', '<=']);
/** Decimal places of an average (unverified: the platform's own formatting is not documented). */
const AVG_DECIMALS = 4;

function param(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function list(query: Query, name: string): string[] {
  return (param(query, name) ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
}

function columnOf(meta: TableMeta, field: string, parameter: string): ColumnMeta {
  const column = meta.columns.get(field);
  if (!column || !column.physical) throw new InvalidRequestError(`Invalid field ${field}`, `${parameter} names '${field}', which is not a field of ${meta.name}`);
  return column;
}

const NUMERIC = new Set(['integer', 'decimal', 'float', 'currency', 'price', 'longint']);

function numbers(rows: RecordValues[], field: string): number[] {
  return rows.map((r) => r[field] ?? '').filter((v) => v !== '' && Number.isFinite(Number(v))).map(Number);
}

function aggregate(kind: Aggregate, column: ColumnMeta, rows: RecordValues[]): string {
  if (kind === 'min' || kind === 'max') {
    const values = rows.map((r) => r[column.name] ?? '').filter((v) => v !== '');
    if (values.length === 0) return '';
    const numeric = NUMERIC.has(column.type);
    const sorted = [...values].sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
    return kind === 'min' ? sorted[0] : sorted[sorted.length - 1];
  }
  const nums = numbers(rows, column.name);
  const sum = nums.reduce((a, b) => a + b, 0);
  if (kind === 'sum') return String(sum);
  return nums.length === 0 ? '' : (sum / nums.length).toFixed(AVG_DECIMALS);
}

function parseHaving(meta: TableMeta, raw: string | undefined): Having[] {
  if (!raw || raw.trim() === '') return [];
  return raw.split(',').map((clause) => {
    const [aggregateName, field, operator, value, ...rest] = clause.split('^');
    const kind = (aggregateName ?? '').toLowerCase();
    if (rest.length > 0 || !(kind === 'count' || (AGGREGATES as readonly string[]).includes(kind)) || !HAVING_OPERATORS.has(operator ?? '') || !Number.isFinite(Number(value))) {
      throw new InvalidRequestError('Invalid sysparm_having', `'${clause}' is not <aggregate>^<field>^<operator>^<number> (aggregate count, avg, min, max or sum)`);
    }
    if (kind !== 'count') columnOf(meta, field, 'sysparm_having');
    return { aggregate: kind as Having['aggregate'], field, operator: operator as Having['operator'], value: Number(value) };
  });
}

function passes(having: Having, meta: TableMeta, rows: RecordValues[]): boolean {
  const actual = having.aggregate === 'count' ? rows.length : Number(aggregate(having.aggregate, columnOf(meta, having.field, 'sysparm_having'), rows));
  switch (having.operator) {
    case '=':
      return actual === having.value;
    case '!=':
      return actual !== having.value;
    case '>':
      return actual > having.value;
    case '<':
      return actual < having.value;
    case '>=':
      return actual >= having.value;
    case '<=':
      return actual <= having.value;
  }
}

async function stats(request: StatsRequest, reply: FastifyReply): Promise<void> {
  const q = request.query;
  const engine = request.server.instanceContext.engine;
  const session = request.instanceSession;
  if (!session) return;
  const table = request.params.table;
  const meta = engine.tableMeta(table);
  const query = nameValueFilter(engine, table, q, param(q, 'sysparm_query') ?? '');
  const wanted = new Map<Aggregate, ColumnMeta[]>();
  for (const kind of AGGREGATES) {
    const fields = list(q, `sysparm_${kind}_fields`).map((f) => columnOf(meta, f, `sysparm_${kind}_fields`));
    if (fields.length > 0) wanted.set(kind, fields);
  }
  const groupBy = list(q, 'sysparm_group_by').map((f) => columnOf(meta, f, 'sysparm_group_by'));
  const having = parseHaving(meta, param(q, 'sysparm_having'));
  const withCount = (param(q, 'sysparm_count') ?? '').toLowerCase() === 'true';
  const display = (param(q, 'sysparm_display_value') ?? '').toLowerCase();

  const result = engine.query(table, { query, session, enforceAcl: true });
  if (result.aclFiltered > 0) throw new AclDeniedError('read', meta.name, 'table');
  const rows = result.records.map((r) => r.values);

  const statsOf = (group: RecordValues[]): Stats => {
    const out: Stats = {};
    if (withCount) out.count = String(group.length);
    for (const [kind, columns] of wanted) out[kind] = Object.fromEntries(columns.map((c) => [c.name, aggregate(kind, c, group)]));
    return out;
  };

  if (groupBy.length === 0) {
    reply.code(200).send({ result: { stats: statsOf(rows) } });
    return;
  }
  const groups = new Map<string, RecordValues[]>();
  for (const row of rows) {
    const key = JSON.stringify(groupBy.map((c) => row[c.name] ?? ''));
    const members = groups.get(key);
    if (members) members.push(row);
    else groups.set(key, [row]);
  }
  const displayValues = engine.displayValues();
  const out = [...groups.entries()]
    .filter(([, members]) => having.every((h) => passes(h, meta, members)))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, members]) => ({
      stats: statsOf(members),
      groupby_fields: groupBy.map((c) => {
        const value = members[0][c.name] ?? '';
        if (display === 'true' || display === 'all') {
          const shown = displayValues.columnDisplay(meta, c, value, members[0].sys_id ?? '') ?? '';
          return display === 'all' ? { field: c.name, value, display_value: shown } : { field: c.name, value: shown };
        }
        return { field: c.name, value };
      }),
    }));
  reply.code(200).send({ result: out });
}

/** Registers the Aggregate API. */
export function registerStatsApi(app: FastifyInstance): void {
  const handler = async (request: StatsRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const ctx = request.server.instanceContext;
    const session = await requireSession(ctx, request, reply);
    if (!session) return reply;
    try {
      request.wantsXml = responseFormat(request) === 'xml';
      if (!ctx.engine.hasTable(request.params.table)) return sendError(reply, 400, `Invalid table ${request.params.table}`, null);
      await stats(request, reply);
    } catch (err) {
      const described = describeInstanceError(err);
      if (!described) throw err;
      sendError(reply, described.status, described.message, described.detail);
    }
    return reply;
  };
  for (const prefix of STATS_API_PREFIXES) app.get(`${prefix}/:table`, handler);
}
