import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InstanceContext } from '../../http/context';
import { requireSession } from '../../http/context';
import { sendError } from '../../http/errors';
import { parseDateTime } from '../../records/values';
import { isAdmin } from '../../records/session';
import type { ScriptRuntime } from '../../runtime/script-runtime';
import { SESSION_COOKIE } from '../../security/ui-sessions';
import { exportApp } from './app-export';
import { scriptIncludeDeclaration, scriptIncludeRegistry } from './script-includes';
import { glideTypeDefinitions } from './type-definitions';

/**
 * The endpoints the Now SDK's other commands call (traced from node_modules/@servicenow/sdk-api
 * connector.js and sdk-cli auth, and by running the commands against this instance):
 *
 * - `POST /angular.do?sysparm_type=view_form.login` (form `user_name`, `user_password`): the login of
 *   `now-sdk auth --add --type basic` and of the SDK's CI basic mode. Success sets the session cookie
 *   and answers `{"status":"success"}`; a wrong password answers `{"status":"error","message":…}`.
 * - `POST /angular.do?sysparm_type=get_user`: with a session cookie, 401 carrying the session's user
 *   token in `X-UserToken-Response` (where the SDK reads it); REST calls then send the cookie and
 *   `X-UserToken`.
 * - `GET /api/now/syntax_editor/completions`, `GET /api/now/syntax_editor/cache/sys_script_include`,
 *   `POST /api/now/syntax_editor/intellisense/sys_script_include`: what `now-sdk dependencies` reads
 *   to write glide.server.d.ts and the script include declarations.
 * - `GET /api/fluent/download/{scope id}?sysparam_mode=complete|incremental`: the zip `now-sdk
 *   download`, `transform` and `init --from` unpack (admin only).
 */
const LOGIN_FAILED = 'User name or password invalid';

function form(request: FastifyRequest): URLSearchParams {
  const body = request.body;
  return new URLSearchParams(Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '');
}

async function angular(ctx: InstanceContext, request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply): Promise<FastifyReply> {
  const type = request.query.sysparm_type ?? form(request).get('sysparm_type') ?? '';
  if (type === 'view_form.login' || type === 'login') {
    const fields = form(request);
    const session = await ctx.auth.withPassword(fields.get('user_name') ?? '', fields.get('user_password') ?? '');
    if (!session) return reply.code(200).send({ status: 'error', message: LOGIN_FAILED, setup_multifactor_authn: false });
    const ui = ctx.auth.ui.create(session.userSysId);
    reply.header('Set-Cookie', `${SESSION_COOKIE}=${ui.id}; Path=/; HttpOnly; SameSite=Lax`);
    return reply.code(200).send({ status: 'success', message: '', setup_multifactor_authn: false });
  }
  if (type === 'get_user') {
    const ui = ctx.auth.ui.fromCookieHeader(request.headers.cookie);
    if (ui) reply.header('X-UserToken-Response', ui.userToken);
    return sendError(reply, 401, 'User Not Authenticated', 'Required to provide Auth information');
  }
  return sendError(reply, 400, 'Invalid request', `sysparm_type '${type}' is not supported by this instance's angular.do`);
}

/** Registers the Now SDK's endpoints (needs the runtime for the Glide type definitions). */
export function sdkRoutes(runtime: ScriptRuntime) {
  return (app: FastifyInstance, ctx: InstanceContext): void => {
    app.post('/angular.do', (request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply) => angular(ctx, request, reply));

    app.get('/api/now/syntax_editor/completions', async (request, reply) => {
      if (!(await requireSession(ctx, request, reply))) return reply;
      return reply.code(200).send({ result: { result: glideTypeDefinitions(runtime.apis) } });
    });
    app.get('/api/now/syntax_editor/cache/sys_script_include', async (request, reply) => {
      if (!(await requireSession(ctx, request, reply))) return reply;
      return reply.code(200).send({ result: { result: JSON.stringify({ sys_script_include: scriptIncludeRegistry(ctx.engine) }) } });
    });
    app.post('/api/now/syntax_editor/intellisense/sys_script_include', async (request, reply) => {
      if (!(await requireSession(ctx, request, reply))) return reply;
      let ids: unknown;
      try {
        ids = (JSON.parse(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '{}') as { scriptIncludes?: unknown }).scriptIncludes;
      } catch {
        ids = undefined;
      }
      if (!Array.isArray(ids)) return sendError(reply, 400, 'Invalid request', 'Send {"scriptIncludes": ["<sys_id>", …]}');
      const out: Record<string, string> = {};
      for (const id of ids) if (typeof id === 'string') out[id] = scriptIncludeDeclaration(ctx.engine, id);
      return reply.code(200).send({ result: { result: out } });
    });

    app.get('/api/fluent/download/:scopeId', async (request: FastifyRequest<{ Params: { scopeId: string }; Querystring: Record<string, string | undefined> }>, reply) => {
      const session = await requireSession(ctx, request, reply);
      if (!session) return reply;
      if (!isAdmin(session)) return reply.code(403).send({ result: 'Downloading an application requires the admin role' });
      const incremental = request.query.sysparam_mode === 'incremental';
      const stamp = request.query.sysparam_timestamp;
      const since = incremental && stamp && parseDateTime(stamp) !== null ? stamp : undefined;
      const exported = exportApp(ctx.engine, request.params.scopeId, { updatedAfter: since });
      if (!exported) return reply.code(404).send({ result: `No application with sys_id ${request.params.scopeId} on this instance` });
      return reply
        .code(200)
        .type('application/zip')
        .header('Content-Disposition', `attachment; filename="${request.params.scopeId}.zip"`)
        .send(exported.zip);
    });
  };
}
