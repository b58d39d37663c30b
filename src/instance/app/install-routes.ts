import multipart from '@fastify/multipart';
import AdmZip from 'adm-zip';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseAppBuild, type BuildFile } from './app-build';
import { describeError } from '../../shared/errors';
import { authenticateRequest, requireSession, type InstanceContext } from '../http/context';
import { NOT_AUTHENTICATED, sendError } from '../http/errors';
import { baseUrlOf } from '../http/table-api';
import { isAdmin, type Session } from '../records/session';
import { newSysId } from '../records/values';
import { installBuild } from './installer';
import { ensureInstallTables, progressBody, recordTracker, TRACKER_STATE } from './tracker';
import { uninstallApp } from './uninstall';

/**
 * The endpoints `now-sdk install` calls (see node_modules/@servicenow/sdk-api/dist/connector.js):
 *
 * - `POST /sn_appclient_upload_processor.do`: multipart with the app zip in `attachFile`; admin only
 *   (anyone else gets 401, which the SDK reports as "Insufficient permissions to install the app").
 *   The install runs before the answer `{"executionTracker": id, "rollbackContext": id}` (200, JSON).
 * - `GET /api/sn_cicd/progress/<id>`: `{"result": {"status": "2", "status_message", "percent_complete": 100, …}}`
 *   once done, status "3" with the reason when the install failed.
 * - `POST /xmlhttp.do` with `sysparm_processor=com.snc.apps.AppsAjaxProcessor` (--reinstall):
 *   `changeApplication` is acknowledged; `deleteApplication` / `uninstallApplication` delete the app
 *   and answer `<xml answer="<tracker id>"/>`. `sys_mutex` exists (empty: nothing holds the update mutex).
 *
 * Before that, the SDK reads sys_upgrade_history and sys_scope through the Table API.
 */

export const UPLOAD_PROCESSOR_PATH = '/sn_appclient_upload_processor.do';
export const PROGRESS_PATH = '/api/sn_cicd/progress/:id';
export const XMLHTTP_PATH = '/xmlhttp.do';

/** The largest app package accepted (the platform's own limit is higher; ours is for a single app). */
const MAX_PACKAGE_BYTES = 50 * 1024 * 1024;

/** Authenticated admin, or an answer already sent (401 for anyone else, as the processors do). */
async function adminOnly(ctx: InstanceContext, request: FastifyRequest, reply: FastifyReply): Promise<Session | null> {
  const session = await authenticateRequest(ctx, request);
  if (!session) {
    sendError(reply, 401, NOT_AUTHENTICATED.message, NOT_AUTHENTICATED.detail);
    return null;
  }
  request.instanceSession = session;
  if (!isAdmin(session)) {
    sendError(reply, 401, 'User Not Authorized', 'Installing or deleting an application requires the admin role');
    return null;
  }
  return session;
}

function zipFiles(zip: Buffer): BuildFile[] {
  const files: BuildFile[] = [];
  for (const entry of new AdmZip(zip).getEntries()) {
    if (entry.isDirectory || !entry.entryName.endsWith('.xml')) continue;
    files.push({ path: entry.entryName, content: entry.getData().toString('utf8') });
  }
  return files;
}

async function upload(ctx: InstanceContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (!(await adminOnly(ctx, request, reply))) return reply;
  if (!request.isMultipart()) return sendError(reply, 400, 'Invalid request', 'Expected multipart/form-data with the application package in attachFile');
  let zip: Buffer | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const data = await part.toBuffer();
      if (part.fieldname === 'attachFile') zip = data;
    }
  }
  if (!zip) return sendError(reply, 400, 'Invalid request', 'No application package in the attachFile field');
  const engine = ctx.engine;
  ensureInstallTables(engine);
  let trackerId: string;
  try {
    const summary = installBuild(engine, parseAppBuild(zipFiles(zip)), { logger: ctx.logger });
    trackerId = recordTracker(engine, `Install ${summary.name} ${summary.version}`, {
      state: TRACKER_STATE.successful,
      message: `Installed ${summary.scope} ${summary.version}: ${summary.inserted} added, ${summary.updated} updated, ${summary.removed} removed`,
    });
  } catch (err) {
    ctx.logger.warn({ err }, 'app install failed');
    engine.log('error', `Application install failed: ${describeError(err)}`, 'sn_appclient');
    trackerId = recordTracker(engine, 'Install application', { state: TRACKER_STATE.failed, message: `Application install failed: ${describeError(err)}` });
  }
  // There is no rollback here; the id only has the platform's shape.
  return reply.code(200).type('application/json').send({ executionTracker: trackerId, rollbackContext: newSysId() });
}

async function progress(ctx: InstanceContext, request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<FastifyReply> {
  const session = await requireSession(ctx, request, reply);
  if (!session) return reply;
  if (!isAdmin(session)) return sendError(reply, 403, 'User Not Authorized', 'The CI/CD API requires the admin role');
  const body = progressBody(ctx.engine, baseUrlOf(request), request.params.id);
  if (!body) return sendError(reply, 404, 'No Record found', `No progress record ${request.params.id}`);
  return reply.code(200).send({ result: body });
}

function xmlAnswer(answer: string): string {
  const escaped = answer.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?><xml sysparm_processor="com.snc.apps.AppsAjaxProcessor" answer="${escaped}"/>`;
}

async function xmlHttp(ctx: InstanceContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (!(await adminOnly(ctx, request, reply))) return reply;
  const raw = request.body;
  const form = new URLSearchParams(Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '');
  if (form.get('sysparm_processor') !== 'com.snc.apps.AppsAjaxProcessor') {
    return reply.code(404).type('text/xml').send(xmlAnswer(''));
  }
  const engine = ctx.engine;
  ensureInstallTables(engine);
  switch (form.get('sysparm_function')) {
    case 'changeApplication':
      return reply.code(200).type('text/xml').send(xmlAnswer(form.get('sysparm_value') ?? ''));
    case 'deleteApplication':
    case 'uninstallApplication': {
      const scopeId = form.get('sysparm_sys_id') ?? '';
      let tracker: string;
      try {
        const removed = uninstallApp(engine, scopeId);
        tracker = recordTracker(engine, `Delete application ${scopeId}`, {
          state: TRACKER_STATE.successful,
          message: removed > 0 ? `Deleted application ${scopeId} and ${removed - 1} of its records` : `No application ${scopeId} to delete`,
        });
      } catch (err) {
        tracker = recordTracker(engine, `Delete application ${scopeId}`, { state: TRACKER_STATE.failed, message: `Failed to completely delete application: ${describeError(err)}` });
      }
      return reply.code(200).type('text/xml').send(xmlAnswer(tracker));
    }
    default:
      return reply.code(200).type('text/xml').send(xmlAnswer(''));
  }
}

export async function installRoutes(app: FastifyInstance, ctx: InstanceContext): Promise<void> {
  // Multipart parsing only for the upload (an encapsulated context): the Table API keeps refusing
  // bodies that are not JSON.
  await app.register(async (uploads) => {
    await uploads.register(multipart, { limits: { fileSize: MAX_PACKAGE_BYTES, files: 1, fields: 20 } });
    uploads.post(UPLOAD_PROCESSOR_PATH, (request, reply) => upload(ctx, request, reply));
  });
  app.get(PROGRESS_PATH, (request: FastifyRequest<{ Params: { id: string } }>, reply) => progress(ctx, request, reply));
  app.post(XMLHTTP_PATH, (request, reply) => xmlHttp(ctx, request, reply));
}
