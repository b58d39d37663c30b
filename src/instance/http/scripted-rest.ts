import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InstanceEngine } from '../records/engine';
import { isAdmin, type Session } from '../records/session';
import { RESTAPIRequestImpl, RESTAPIResponseImpl, type IncomingCall } from '../runtime/glide/rest-api';
import { ServiceErrorImpl } from '../runtime/glide/service-error';
import { withUnsupportedMembers } from '../runtime/glide/unsupported';
import type { ScriptRuntime } from '../runtime/script-runtime';
import { requireSession, type InstanceContext } from './context';
import { errorBody, sendError } from './errors';
import { baseUrlOf } from './table-api';

/**
 * Scripted REST APIs (sys_ws_definition / sys_ws_version / sys_ws_operation) served at their real
 * URIs: `/api/<namespace>/<version>/<service id>/<relative path>`, and without the version for the
 * default version. Path parameters (`/{id}`), query parameters (arrays, as on the platform), JSON
 * bodies (`request.body.data`, `dataString`).
 *
 * Security, in the platform's order: authentication (401 with the Table API's body); the
 * snc_internal requirement (a user holding snc_external but not snc_internal is refused); ACL
 * authorization: at least one of the operation's REST_Endpoint ACLs (or, when it has none, the
 * API's default ACLs) must pass, admin passing those with admin overrides. A refusal is 403 with
 * `{"error":{"message":"User Not Authorized","detail":"Failed API level ACL Validation"},"status":"failure"}`
 * (the body real instances are reported to send; unverified). An API with no ACL at all lets every
 * authenticated internal user in (the platform's "Scripted REST External Default" ACL only keeps
 * snc_external users out).
 *
 * The answer: `response.setBody(x)` is sent as `{"result": x}` with the status set (200 by
 * default); `response.setError(e)` or a thrown sn_ws_err error as the platform's error shape with
 * its status; any other script error as 500 with that shape, logged to syslog. A path under /api/
 * that matches nothing answers 400 "Requested URI does not represent any resource", like the platform.
 */

interface PathSegment {
  literal?: string;
  param?: string;
}

export interface RestRoute {
  sysId: string;
  name: string;
  apiName: string;
  method: string;
  namespace: string;
  serviceId: string;
  /** The version id (`v1`), '' for an unversioned API. */
  version: string;
  isDefaultVersion: boolean;
  segments: PathSegment[];
  requiresAuthentication: boolean;
  requiresAcl: boolean;
  requiresSncInternal: boolean;
  acls: string[];
  script: string;
  scope: string;
}

const falsy = (value: string | undefined): boolean => value === 'false' || value === '0';
const truthy = (value: string | undefined): boolean => value === 'true' || value === '1';

function aclIds(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[0-9a-f]{32}$/i.test(s));
}

function parsePath(relative: string): PathSegment[] {
  return relative
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^\{([^}]+)\}$/.exec(s);
      return m ? { param: m[1] } : { literal: s };
    });
}

export function loadRestRoutes(engine: InstanceEngine): RestRoute[] {
  return engine.cachedByMetadata('scripted-rest:routes', () => {
    const system = engine.systemSession();
    const definitions = new Map(engine.query('sys_ws_definition', { query: 'active!=false', session: system }).records.map((r) => [r.sysId, r.values]));
    const versions = new Map(engine.query('sys_ws_version', { query: 'active!=false', session: system }).records.map((r) => [r.sysId, r.values]));
    const routes: RestRoute[] = [];
    for (const { values: op } of engine.query('sys_ws_operation', { query: 'active!=false', session: system }).records) {
      const def = definitions.get(op.web_service_definition ?? '');
      if (!def || !def.namespace || !def.service_id) continue;
      const versioned = truthy(def.is_versioned);
      const version = versions.get(op.web_service_version ?? '');
      const versionId = versioned ? version?.version_id || (version?.version ? `v${version.version}` : '') : '';
      const isDefault = !versioned || truthy(version?.is_default) || (def.default_version ?? '') === versionId;
      const ownAcls = aclIds(op.enforce_acl);
      routes.push({
        sysId: op.sys_id,
        name: op.name || op.sys_id,
        apiName: def.name || def.service_id,
        method: (op.http_method || 'GET').toUpperCase(),
        namespace: def.namespace,
        serviceId: def.service_id,
        version: versionId,
        isDefaultVersion: isDefault,
        segments: parsePath(op.relative_path ?? ''),
        requiresAuthentication: !falsy(op.requires_authentication),
        requiresAcl: !falsy(op.requires_acl_authorization),
        requiresSncInternal: truthy(op.requires_snc_internal_role),
        acls: ownAcls.length > 0 ? ownAcls : aclIds(def.enforce_acl),
        script: op.operation_script ?? '',
        scope: op.sys_scope || def.sys_scope || 'global',
      });
    }
    return routes;
  });
}

interface RouteMatch {
  route: RestRoute;
  pathParams: Record<string, string>;
}

/** The operations whose path matches (any method), most literal segments first. */
export function matchRoutes(routes: readonly RestRoute[], pathname: string): RouteMatch[] {
  const parts = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  if (parts[0] !== 'api' || parts.length < 3) return [];
  const matches: Array<RouteMatch & { literals: number }> = [];
  for (const route of routes) {
    if (route.namespace !== parts[1]) continue;
    let rest: string[] | null = null;
    if (route.version && parts[2] === route.version && parts[3] === route.serviceId) rest = parts.slice(4);
    else if (parts[2] === route.serviceId && route.isDefaultVersion) rest = parts.slice(3);
    if (!rest || rest.length !== route.segments.length) continue;
    const pathParams: Record<string, string> = {};
    let literals = 0;
    let ok = true;
    route.segments.forEach((segment, i) => {
      if (segment.param) pathParams[segment.param] = rest![i];
      else if (segment.literal === rest![i]) literals++;
      else ok = false;
    });
    if (ok) matches.push({ route, pathParams, literals });
  }
  return matches.sort((a, b) => b.literals - a.literals);
}

const NOT_AUTHORIZED = { message: 'User Not Authorized', detail: 'Failed API level ACL Validation' } as const;

function passesAcls(engine: InstanceEngine, route: RestRoute, session: Session): boolean {
  if (route.acls.length === 0) return true;
  if (session.isSystem) return true;
  for (const aclId of route.acls) {
    const acl = engine.get('sys_security_acl', aclId, { session: engine.systemSession() });
    if (!acl || acl.values.active === 'false') continue;
    const decision = engine.acl.checkNamed(acl.values.type || 'REST_Endpoint', acl.values.operation || 'execute', acl.values.name ?? '', session);
    if (decision === true) return true;
  }
  return false;
}

function lacksInternalRole(session: Session): boolean {
  return !isAdmin(session) && session.roles.has('snc_external') && !session.roles.has('snc_internal');
}

function guestSession(): Session {
  return { userSysId: '', userName: 'guest', displayName: 'Guest', roles: new Set(), isSystem: false };
}

function incomingCall(request: FastifyRequest, pathParams: Record<string, string>): IncomingCall {
  const url = new URL(request.url, baseUrlOf(request));
  const query: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) (query[key] ??= []).push(value);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  const raw = request.body;
  const body = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  return {
    method: request.method,
    url: url.toString(),
    uri: url.pathname,
    queryString: url.search.replace(/^\?/, ''),
    headers,
    query,
    pathParams,
    body,
    contentType: headers['content-type'] ?? '',
  };
}

function isServiceError(value: unknown): value is ServiceErrorImpl {
  return value instanceof ServiceErrorImpl;
}

function sendServiceError(reply: FastifyReply, error: ServiceErrorImpl): FastifyReply {
  return reply
    .code(error.status || 500)
    .type('application/json')
    .send(errorBody(error.message || 'Error', error.detail || null));
}

async function serve(runtime: ScriptRuntime, ctx: InstanceContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const engine = ctx.engine;
  const pathname = request.url.split('?')[0];
  const matches = matchRoutes(loadRestRoutes(engine), pathname);
  if (matches.length === 0) return sendError(reply, 400, 'Requested URI does not represent any resource', null);
  const match = matches.find((m) => m.route.method === request.method.toUpperCase());
  if (!match) return sendError(reply, 405, 'Method not Supported', `${request.method} method not supported for API`);
  const route = match.route;

  let session: Session | null;
  if (route.requiresAuthentication || request.headers.authorization) {
    session = await requireSession(ctx, request, reply);
    if (!session) return reply;
  } else session = guestSession();
  if (route.requiresSncInternal && lacksInternalRole(session)) {
    return sendError(reply, 403, NOT_AUTHORIZED.message, `The API requires the snc_internal role`);
  }
  if (route.requiresAcl && !passesAcls(engine, route, session)) return sendError(reply, 403, NOT_AUTHORIZED.message, NOT_AUTHORIZED.detail);

  const scriptRequest = withUnsupportedMembers(new RESTAPIRequestImpl(incomingCall(request, match.pathParams)), 'RESTAPIRequest');
  const scriptResponse = new RESTAPIResponseImpl();
  const outcome = runtime.run({
    kind: 'rest_operation',
    name: `${route.apiName} ${route.method} ${route.name}`,
    sysId: route.sysId,
    scope: route.scope,
    script: route.script,
    variables: { request: scriptRequest, response: withUnsupportedMembers(scriptResponse, 'RESTAPIResponse') },
    session,
    // A thrown sn_ws_err error is an answer, not a failure worth logging.
    logErrors: (err) => !isServiceError(err),
  });
  const state = scriptResponse._state;
  for (const [name, value] of Object.entries(state.headers)) reply.header(name, value);
  if (!outcome.ok) {
    if (isServiceError(outcome.error)) return sendServiceError(reply, outcome.error);
    return sendError(reply, 500, outcome.message || 'Script error', `Script error in scripted REST operation '${route.name}' (see the system log)`);
  }
  if (state.error) return sendServiceError(reply, state.error);
  const status = state.status ?? 200;
  if (state.streamed !== null) return reply.code(status).type(state.contentType || 'application/json').send(state.streamed);
  if (!state.body.set) return reply.code(status).send();
  return reply
    .code(status)
    .type(state.contentType && /json/i.test(state.contentType) ? state.contentType : 'application/json')
    .send(JSON.stringify({ result: state.body.value === undefined ? null : state.body.value }));
}

/** Routes every /api path no built-in route serves to the installed scripted REST APIs. */
export function scriptedRestRoutes(runtime: ScriptRuntime) {
  return (app: FastifyInstance, ctx: InstanceContext): void => {
    app.all('/api/*', (request, reply) => serve(runtime, ctx, request, reply));
  };
}
