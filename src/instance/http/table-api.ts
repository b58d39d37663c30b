import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from '../records/session';
import type { AclMemo } from '../security/acl';
import { requireSession, type InstanceContext } from './context';
import { describeInstanceError, errorBody, NO_RECORD, NO_RECORDS_MATCHING, sendError } from './errors';
import { recordBody, responseFormat } from './formats';
import { nameValueFilter } from './name-value-filter';
import { readTableFaults, takeFailNext } from './faults';
import { serializeRecord, type DisplayMode, type SerializeContext, type SerializeOptions } from './serialize';

/** The Table API answers under all three prefixes. */
export const TABLE_API_PREFIXES = ['/api/now/table', '/api/now/v1/table', '/api/now/v2/table'] as const;
const V1_PREFIX = '/api/now/v1/table';

const DEFAULT_LIMIT = 10000;

type Query = Record<string, string | string[] | undefined>;
type TableRequest = FastifyRequest<{ Params: { table: string; sys_id?: string }; Querystring: Query }>;

function param(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

function flag(query: Query, name: string): boolean {
  return (param(query, name) ?? '').toLowerCase() === 'true';
}

function displayMode(query: Query): DisplayMode {
  const v = (param(query, 'sysparm_display_value') ?? '').toLowerCase();
  return v === 'true' ? 'true' : v === 'all' ? 'all' : 'false';
}

function fieldsOf(query: Query): string[] | null {
  const raw = param(query, 'sysparm_fields');
  if (raw === undefined || raw.trim() === '') return null;
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return fallback;
  return Number(raw.trim());
}

export function baseUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? `${request.hostname}`}`;
}

/** Injected latency and failures (admin-configured); true when the reply was sent. */
async function applyFaults(ctx: InstanceContext, table: string, reply: FastifyReply): Promise<boolean> {
  const faults = readTableFaults(ctx.engine);
  if (faults.tables.length > 0 && !faults.tables.includes(table)) return false;
  if (faults.latencyMs > 0) await sleep(faults.latencyMs);
  const fail = (faults.failNext > 0 && takeFailNext(ctx.engine)) || (faults.errorRate > 0 && Math.random() < faults.errorRate);
  if (!fail) return false;
  sendError(reply, faults.errorStatus, 'Injected fault', 'Fault injection is on for the Table API (PUT /api/now/local/faults)');
  return true;
}

interface Handled {
  request: TableRequest;
  reply: FastifyReply;
  session: Session;
  table: string;
  prefix: string;
}

function serializeContext(ctx: InstanceContext, session: Session, memo: AclMemo): SerializeContext {
  const reader = ctx.engine.reader();
  return { engine: ctx.engine, session, reader, display: ctx.engine.displayValues(reader), memo, enforceAcl: true };
}

function serializeOptions(request: TableRequest): SerializeOptions {
  const q = request.query;
  return {
    displayValue: displayMode(q),
    excludeReferenceLink: flag(q, 'sysparm_exclude_reference_link'),
    fields: fieldsOf(q),
    baseUrl: baseUrlOf(request),
  };
}

function paginationLinks(request: TableRequest, prefix: string, table: string, limit: number, offset: number, total: number | null, pageFull: boolean): string {
  const url = new URL(request.url, baseUrlOf(request));
  const at = (o: number): string => {
    const params = new URLSearchParams(url.search);
    params.set('sysparm_limit', String(limit));
    params.set('sysparm_offset', String(o));
    return `<${baseUrlOf(request)}${prefix}/${table}?${params.toString()}>`;
  };
  const links = [`${at(0)};rel="first"`];
  if (offset > 0) links.push(`${at(Math.max(0, offset - limit))};rel="prev"`);
  const hasNext = total === null ? pageFull : offset + limit < total;
  if (hasNext) links.push(`${at(offset + limit)};rel="next"`);
  if (total !== null) links.push(`${at(total > 0 ? Math.floor((total - 1) / limit) * limit : 0)};rel="last"`);
  return links.join(',');
}

async function list({ request, reply, session, table, prefix }: Handled): Promise<void> {
  const q = request.query;
  const engine = request.server.instanceContext.engine;
  const limit = positiveInt(param(q, 'sysparm_limit'), DEFAULT_LIMIT) || DEFAULT_LIMIT;
  const offset = positiveInt(param(q, 'sysparm_offset'), 0);
  const query = nameValueFilter(engine, table, q, param(q, 'sysparm_query') ?? '');
  const memo: AclMemo = new Map();
  const result = engine.query(table, { query, limit, offset, session, enforceAcl: true, aclMemo: memo });
  const noCount = flag(q, 'sysparm_no_count');
  // The platform counts before ACL filtering; a page may hold fewer rows than the limit.
  const total = noCount ? null : engine.count(table, query, { session, enforceAcl: true, aclMemo: memo });
  if (total !== null) reply.header('X-Total-Count', String(total));
  if (!flag(q, 'sysparm_suppress_pagination_header')) {
    reply.header('Link', paginationLinks(request, prefix, table, limit, offset, total, result.records.length + result.aclFiltered >= limit));
  }
  if (prefix === V1_PREFIX && result.records.length === 0) {
    // Version 1 answers an empty result with 404; version 2 (the default) with 200 and [].
    sendError(reply, 404, NO_RECORDS_MATCHING.message, NO_RECORDS_MATCHING.detail);
    return;
  }
  const meta = engine.tableMeta(table);
  const sctx = serializeContext(request.server.instanceContext, session, memo);
  const options = serializeOptions(request);
  reply.code(200).send({ result: result.records.map((r) => serializeRecord(meta, r, options, sctx)) });
}

async function single({ request, reply, session, table }: Handled): Promise<void> {
  const engine = request.server.instanceContext.engine;
  const memo: AclMemo = new Map();
  const meta = engine.tableMeta(table);
  const record = engine.get(table, request.params.sys_id ?? '', { session, enforceAcl: true, aclMemo: memo });
  if (!record) {
    sendError(reply, 404, NO_RECORD.message, NO_RECORD.detail);
    return;
  }
  reply.code(200).send({ result: serializeRecord(meta, record, serializeOptions(request), serializeContext(request.server.instanceContext, session, memo)) });
}

function writeFlags(request: TableRequest): { inputDisplayValue: boolean; suppressAutoSysFields: boolean } {
  return {
    inputDisplayValue: flag(request.query, 'sysparm_input_display_value'),
    suppressAutoSysFields: flag(request.query, 'sysparm_suppress_auto_sys_field'),
  };
}

function noResponseBody(request: FastifyRequest): boolean {
  return String(request.headers['x-no-response-body'] ?? '').toLowerCase() === 'true';
}

async function create({ request, reply, session, table, prefix }: Handled): Promise<void> {
  const engine = request.server.instanceContext.engine;
  const body = recordBody(request);
  const memo: AclMemo = new Map();
  const record = engine.insert(table, body, { session, enforceAcl: true, aclMemo: memo, ...writeFlags(request) });
  reply.header('Location', `${baseUrlOf(request)}${prefix}/${table}/${record.sysId}`);
  if (noResponseBody(request)) {
    reply.code(201).send();
    return;
  }
  const meta = engine.tableMeta(table);
  reply.code(201).send({ result: serializeRecord(meta, record, serializeOptions(request), serializeContext(request.server.instanceContext, session, memo)) });
}

async function modify({ request, reply, session, table }: Handled): Promise<void> {
  const engine = request.server.instanceContext.engine;
  const body = recordBody(request);
  const memo: AclMemo = new Map();
  const record = engine.update(table, request.params.sys_id ?? '', body, { session, enforceAcl: true, aclMemo: memo, ...writeFlags(request) });
  if (noResponseBody(request)) {
    reply.code(200).send();
    return;
  }
  const meta = engine.tableMeta(table);
  reply.code(200).send({ result: serializeRecord(meta, record, serializeOptions(request), serializeContext(request.server.instanceContext, session, memo)) });
}

async function remove({ request, reply, session, table }: Handled): Promise<void> {
  const engine = request.server.instanceContext.engine;
  engine.delete(table, request.params.sys_id ?? '', { session, enforceAcl: true, aclMemo: new Map() });
  reply.code(204).send();
}

/** Registers the Table API under its three prefixes. */
/** Whether the table allows the Table API ("Allow access to this table via web services"). */
function webServiceAccess(engine: InstanceContext['engine'], table: string): boolean {
  return engine.cachedByMetadata(`table-api:ws_access:${table}`, () => {
    return engine.lookups.webServiceAccess(table) !== 'false';
  });
}

export function registerTableApi(app: FastifyInstance): void {
  const route =
    (prefix: string, action: (h: Handled) => Promise<void>) =>
    async (request: TableRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const ctx = request.server.instanceContext;
      const session = await requireSession(ctx, request, reply);
      if (!session) return reply;
      const table = request.params.table;
      if (await applyFaults(ctx, table, reply)) return reply;
      try {
        request.wantsXml = responseFormat(request) === 'xml';
        if (!ctx.engine.hasTable(table)) {
          sendError(reply, 400, `Invalid table ${table}`, null);
          return reply;
        }
        if (!webServiceAccess(ctx.engine, table)) {
          // The Now SDK documents 403 for a table with allowWebServiceAccess false; the body is unverified.
          sendError(reply, 403, 'User Not Authorized', `Web service access to table ${table} is not allowed (sys_db_object.ws_access is false)`);
          return reply;
        }
        await action({ request, reply, session, table, prefix });
      } catch (err) {
        const described = describeInstanceError(err);
        if (!described) throw err;
        sendError(reply, described.status, described.message, described.detail);
      }
      return reply;
    };
  const notSupported = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const session = await requireSession(request.server.instanceContext, request, reply);
    if (!session) return reply;
    return reply.code(405).send(errorBody('Method not Supported', `${request.method} method not supported for API`));
  };
  for (const prefix of TABLE_API_PREFIXES) {
    app.get(`${prefix}/:table`, route(prefix, list));
    app.get(`${prefix}/:table/:sys_id`, route(prefix, single));
    app.post(`${prefix}/:table`, route(prefix, create));
    app.patch(`${prefix}/:table/:sys_id`, route(prefix, modify));
    app.put(`${prefix}/:table/:sys_id`, route(prefix, modify));
    app.delete(`${prefix}/:table/:sys_id`, route(prefix, remove));
    app.post(`${prefix}/:table/:sys_id`, notSupported);
    app.route({ method: ['PUT', 'PATCH', 'DELETE'], url: `${prefix}/:table`, handler: notSupported });
  }
}
