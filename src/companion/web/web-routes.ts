import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { describeError } from '../../shared/errors';
import { ServiceNowHttpError, SyncApiClient } from '../client';
import { runChecks, type CheckResult } from '../commands/check-runner';
import { CommandOptionsError } from '../commands/options';
import { connectWithStore, type ConnectDeps } from '../connect/run-connect';
import { SETUP_CONNECTION_DEFAULTS } from '../connect/setup-session';
import { doctorChecks, doctorSession } from '../doctor/run-doctor';
import { DeclareBody, issuesOf, UpdateBody } from '../server/api-schemas';
import { incidentView } from '../server/incident-view';
import { serviceAccountClient } from '../service-account-client';
import type { CompanionStore, WebSession } from '../store';
import type { SyncEngine } from '../sync/sync-engine';
import { fieldOfFailure, parseConnectForm, type ConnectFormValues, type FieldErrors } from './connect-form';
import { layout, type LayoutOptions } from './html';
import { connectBody, incidentsBody, incidentsFragment, loginBody, statusBody, statusFragment, statusIndexBody } from './pages';
import {
  clearCookie,
  cookiesOf,
  CSRF_FIELD,
  CSRF_HEADER,
  LOGIN_CSRF_COOKIE,
  randomToken,
  sameToken,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionOf,
  setCookie,
  startSession,
  tokenHash,
} from './sessions';
import { signIn } from './sign-in';
import { AppHealthCache, gatherStatus } from './status-data';

/**
 * The web pages: sign-in, Connect, Status and Incidents, server-rendered, with one small script
 * (assets/app.js) for live updates and streamed checks. Only signed-in users see anything; every
 * POST carries the session's CSRF token; the Content-Security-Policy allows no inline script.
 */

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };
const ASSET_DIR = path.join(__dirname, 'assets');

export interface WebRoutesOptions {
  store: CompanionStore;
  engine: SyncEngine;
  logger: Logger;
  clock?: () => Date;
  /** Client settings for Connect, doctor and resend (tests shorten retries). */
  connectDeps?: ConnectDeps;
}

type Body = Record<string, string>;
type Req = FastifyRequest<{ Body: Body; Params: Record<string, string>; Querystring: Record<string, string | undefined> }>;

declare module 'fastify' {
  interface FastifyRequest {
    webSession?: WebSession;
  }
}

function isPageRequest(request: FastifyRequest): boolean {
  return request.method === 'GET' && !request.url.includes('/fragment') && !String(request.headers.accept ?? '').includes('text/event-stream');
}

function page(reply: FastifyReply, status: number, options: LayoutOptions): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(layout(options));
}

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

/** A local path to go back to after signing in (never another site). */
function safeNext(value: string | undefined): string {
  return value && /^\/(?!\/)[\w\-/?=&.%]*$/.test(value) && !value.startsWith('/login') ? value : '/';
}

export function webRoutes(options: WebRoutesOptions) {
  const { store, engine } = options;
  const clock = options.clock ?? (() => new Date());
  const appHealth = new AppHealthCache(() => clock().getTime());
  const doctorResults = new Map<string, CheckResult[]>();
  const connectionOptions = { ...SETUP_CONNECTION_DEFAULTS, ...options.connectDeps?.connectionOptions };

  return async (app: FastifyInstance): Promise<void> => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      const fields: Body = {};
      for (const [key, value] of new URLSearchParams(String(body))) fields[key] = value;
      done(null, fields);
    });

    app.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-frame-options', 'DENY');
      if (!reply.getHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    // Everything but the sign-in page and the assets needs a session; every POST its CSRF token.
    app.addHook('preHandler', async (request, reply) => {
      const url = request.url.split('?')[0]!;
      if (url === '/login' || url.startsWith('/assets/')) return undefined;
      const session = await sessionOf(store.users, request, clock());
      if (!session) {
        if (isPageRequest(request)) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
        return reply.code(401).type('text/plain; charset=utf-8').send('Sign in first: your session is missing or has expired.');
      }
      if (request.method === 'POST') {
        const body = request.body;
        const fromBody = body && typeof body === 'object' ? (body as Body)[CSRF_FIELD] : undefined;
        const token = fromBody ?? request.headers[CSRF_HEADER];
        if (!sameToken(typeof token === 'string' ? token : undefined, session.csrfToken)) {
          return reply.code(403).type('text/plain; charset=utf-8').send('The form is missing its security token or it is stale: reload the page and try again.');
        }
      }
      request.webSession = session;
      return undefined;
    });

    app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
      const type = ASSETS[request.params.file];
      if (!type) return reply.code(404).type('text/plain').send('No such asset.');
      reply.header('cache-control', 'no-cache');
      return reply.type(type).send(fs.readFileSync(path.join(ASSET_DIR, request.params.file)));
    });

    // ── Sign-in ──────────────────────────────────────────────────────────────
    const loginPage = (request: FastifyRequest, reply: FastifyReply, status: number, extra: { email?: string; error?: string; next?: string }) => {
      let token = cookiesOf(request)[LOGIN_CSRF_COOKIE];
      if (!token || token.length > 100) {
        token = randomToken();
        setCookie(reply, request, LOGIN_CSRF_COOKIE, token, 3600);
      }
      return page(reply, status, { title: 'Sign in', user: null, body: loginBody({ csrfToken: token, ...extra }) });
    };

    app.get('/login', async (request: Req, reply) => loginPage(request, reply, 200, { next: safeNext(request.query.next) }));

    app.post('/login', async (request: Req, reply) => {
      const body = request.body ?? {};
      if (!sameToken(body[CSRF_FIELD], cookiesOf(request)[LOGIN_CSRF_COOKIE])) {
        return loginPage(request, reply, 403, { error: 'The sign-in form had expired: try again.', email: body.email ?? '' });
      }
      const email = (body.email ?? '').trim();
      const result = await signIn(store.users, email, body.password ?? '', clock());
      if (!result.ok) {
        const error =
          result.reason === 'locked'
            ? `Too many wrong passwords: this account is locked until ${result.until.toISOString().slice(11, 16)} UTC.`
            : 'Wrong email or password.';
        return loginPage(request, reply, result.reason === 'locked' ? 429 : 401, { error, email, next: safeNext(body.next) });
      }
      const { token } = await startSession(store.users, result.user.id, clock());
      setCookie(reply, request, SESSION_COOKIE, token, SESSION_TTL_MS / 1000);
      clearCookie(reply, request, LOGIN_CSRF_COOKIE);
      return reply.redirect(safeNext(body.next), 303);
    });

    app.post('/logout', async (request, reply) => {
      const token = cookiesOf(request)[SESSION_COOKIE];
      if (token) await store.users.deleteSession(tokenHash(token));
      clearCookie(reply, request, SESSION_COOKIE);
      return reply.redirect('/login', 303);
    });

    const chrome = (request: FastifyRequest, title: string, current: LayoutOptions['current']) => ({
      title,
      user: request.webSession!.user.email,
      csrfToken: request.webSession!.csrfToken,
      current,
    });

    app.get('/', async (_request, reply) => reply.redirect((await store.listConnections()).length ? '/status' : '/connect', 303));

    // ── Connect ──────────────────────────────────────────────────────────────
    const connectPage = async (request: Req, reply: FastifyReply, status: number, state: { values: ConnectFormValues; errors: FieldErrors; editing: string | null; results?: CheckResult[]; notRun?: Array<{ id: string; title: string; reason: string }>; outcome?: { ok: boolean; message: string } | null }) =>
      page(reply, status, {
        ...chrome(request, 'Connect ServiceNow', 'connect'),
        body: connectBody({
          csrfToken: request.webSession!.csrfToken,
          values: state.values,
          errors: state.errors,
          editing: state.editing,
          connections: await store.listConnections(),
          results: state.results ?? [],
          notRun: state.notRun ?? [],
          outcome: state.outcome ?? null,
        }),
      });

    app.get('/connect', async (request: Req, reply) => {
      const editing = request.query.edit ? await store.getConnection(request.query.edit) : undefined;
      const values: ConnectFormValues = editing
        ? { instance: editing.instanceUrl, client_id: editing.clientId, username: editing.username, name: editing.name, public_url: editing.publicUrl }
        : { public_url: baseUrl(request) };
      return connectPage(request, reply, 200, { values, errors: {}, editing: editing?.name ?? null });
    });

    app.post('/connect', async (request: Req, reply) => {
      const body = request.body ?? {};
      const stream = String(request.headers.accept ?? '').includes('text/event-stream');
      const editing = body.editing ? await store.getConnection(body.editing) : undefined;
      const values: ConnectFormValues = { instance: body.instance, client_id: body.client_id, username: body.username, name: body.name, public_url: body.public_url };
      const parsed = parseConnectForm(body, editing, baseUrl(request));
      // The browser may have gone away mid-run: the checks finish (and save) all the same.
      const send = (event: string, data: unknown) => {
        if (!reply.raw.destroyed && !reply.raw.writableEnded) reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };

      if (!parsed.ok) {
        if (!stream) return connectPage(request, reply, 400, { values, errors: parsed.errors, editing: editing?.name ?? null });
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': CONTENT_SECURITY_POLICY });
        send('invalid', { errors: parsed.errors });
        reply.raw.end();
        return reply;
      }
      if (stream) {
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'content-security-policy': CONTENT_SECURITY_POLICY });
      }
      const results: CheckResult[] = [];
      let outcome: { ok: boolean; message: string };
      let notRun: Array<{ id: string; title: string; reason: string }> = [];
      const errors: FieldErrors = {};
      try {
        const attempt = await connectWithStore(store, parsed.settings, { ...options.connectDeps, connectionOptions }, {
          onStart: (name) => stream && send('start', { name, instance: parsed.settings.instanceUrl }),
          onResult: (result) => {
            results.push(result);
            const target = fieldOfFailure(result);
            if (target) errors[target] = result.message;
            if (stream) send('check', { ...result, field: target });
          },
        });
        notRun = attempt.run.notRun;
        if (attempt.saved) {
          appHealth.forget(attempt.name);
          const mode = attempt.saved.mode === 'realtime' ? `real-time: the app pushes to ${attempt.webhookUrl}` : 'polling (install the app for real-time sync)';
          outcome = { ok: true, message: `Connected: connection "${attempt.name}" ${attempt.saved.created ? 'saved' : 'updated'}; mode ${mode}.` };
        } else {
          outcome = { ok: false, message: 'Nothing was saved: fix what is marked ✘ and connect again.' };
        }
      } catch (err) {
        const message = describeError(err);
        if (err instanceof CommandOptionsError) errors.name = message.replace(/--name/g, 'the connection name');
        outcome = { ok: false, message: err instanceof CommandOptionsError ? errors.name! : `Connect could not run: ${message}` };
        if (!(err instanceof CommandOptionsError)) options.logger.error({ err: message }, 'web connect failed');
      }
      if (stream) {
        for (const n of notRun) send('skipped', n);
        send('done', { ...outcome, errors, connection: outcome.ok ? (body.name || undefined) : undefined });
        reply.raw.end();
        return reply;
      }
      return connectPage(request, reply, outcome.ok ? 200 : 422, { values, errors, editing: editing?.name ?? null, results, notRun, outcome });
    });

    // ── Status ───────────────────────────────────────────────────────────────
    app.get('/status', async (request, reply) => {
      const connections = await store.listConnections();
      if (connections.length === 1) return reply.redirect(`/status/${encodeURIComponent(connections[0]!.name)}`, 303);
      return page(reply, 200, { ...chrome(request, 'Sync status', 'status'), body: statusIndexBody(connections) });
    });

    const connectionOr404 = async (request: Req, reply: FastifyReply) => {
      const connection = await store.getConnection(request.params.name ?? '');
      if (!connection) reply.code(404).type('text/plain; charset=utf-8').send(`No connection named "${request.params.name}": see /status for the stored ones.`);
      return connection;
    };

    const flashes = new Map<string, string>();
    app.get('/status/:name', async (request: Req, reply) => {
      const connection = await connectionOr404(request, reply);
      if (!connection) return reply;
      const data = await gatherStatus(store, engine, connection, appHealth, clock());
      const flashKey = `${request.webSession!.user.id}:${connection.name}`;
      const flash = flashes.get(flashKey) ?? null;
      flashes.delete(flashKey);
      return page(reply, 200, {
        ...chrome(request, `Sync status: ${connection.name}`, 'status'),
        body: statusBody(data, request.webSession!.csrfToken, flash, doctorResults.get(connection.name) ?? null),
      });
    });

    app.get('/status/:name/fragment', async (request: Req, reply) => {
      const connection = await connectionOr404(request, reply);
      if (!connection) return reply;
      const data = await gatherStatus(store, engine, connection, appHealth, clock());
      return reply.type('text/html; charset=utf-8').send(statusFragment(data, request.webSession!.csrfToken).text);
    });

    app.post('/status/:name/resend', async (request: Req, reply) => {
      const connection = await connectionOr404(request, reply);
      if (!connection) return reply;
      const flashKey = `${request.webSession!.user.id}:${connection.name}`;
      const client = serviceAccountClient(connection, connectionOptions);
      try {
        // Event ids never change, so the companion drops what it already has.
        const since = new Date(connection.createdAt.getTime() - 60_000).toISOString().replace('T', ' ').slice(0, 19);
        const answer = (await new SyncApiClient(client).resend({ since })) as { requeued?: unknown };
        const requeued = typeof answer?.requeued === 'number' ? answer.requeued : 0;
        flashes.set(flashKey, `Resend asked: ${requeued} event${requeued === 1 ? '' : 's'} requeued; the app delivers them again.`);
      } catch (err) {
        flashes.set(flashKey, `The resend failed: ${err instanceof ServiceNowHttpError ? err.message : describeError(err)}`);
      } finally {
        await client.close().catch(() => undefined);
        appHealth.forget(connection.name);
      }
      return reply.redirect(`/status/${encodeURIComponent(connection.name)}`, 303);
    });

    app.post('/status/:name/doctor', async (request: Req, reply) => {
      const connection = await connectionOr404(request, reply);
      if (!connection) return reply;
      const session = doctorSession(connection, connectionOptions);
      try {
        const run = await runChecks(doctorChecks(connection.mode), session);
        doctorResults.set(connection.name, run.results);
        const summary = run.allPassed ? `all ${run.results.length} checks passed` : `${run.results.filter((r) => !r.ok).length} need attention`;
        await store.recordConnectionCheck(connection.name, { at: clock(), status: run.allPassed ? 'ok' : 'attention', summary });
      } finally {
        await session.close().catch(() => undefined);
      }
      return reply.redirect(`/status/${encodeURIComponent(connection.name)}#doctor`, 303);
    });

    // ── Incidents ────────────────────────────────────────────────────────────
    const incidentViews = async () => {
      const list = await engine.incidents.list({ limit: 50, offset: 0 });
      return Promise.all(list.map(async (d) => incidentView(await engine.incidents.get(d.incident.id, { withUpdates: true }))));
    };

    const incidentsPage = async (request: Req, reply: FastifyReply, status: number, errors: Record<string, string> = {}, values: Record<string, string> = {}) =>
      page(reply, status, {
        ...chrome(request, 'Incidents', 'incidents'),
        body: incidentsBody(await incidentViews(), request.webSession!.csrfToken, errors, values),
      });

    app.get('/incidents', async (request: Req, reply) => incidentsPage(request, reply, 200));

    app.get('/incidents/fragment', async (request: Req, reply) =>
      reply.type('text/html; charset=utf-8').send(incidentsFragment(await incidentViews(), request.webSession!.csrfToken).text),
    );

    app.post('/incidents', async (request: Req, reply) => {
      const body = request.body ?? {};
      const parsed = DeclareBody.safeParse({ name: body.name ?? '', summary: body.summary ?? '', severity: body.severity, status: body.status });
      if (!parsed.success) {
        const errors = Object.fromEntries(issuesOf(parsed.error).map((i) => [i.path, i.message]));
        return incidentsPage(request, reply, 400, errors, body);
      }
      await engine.incidents.declare(parsed.data);
      return reply.redirect('/incidents', 303);
    });

    app.post('/incidents/:id/updates', async (request: Req, reply) => {
      const parsed = UpdateBody.safeParse({ message: request.body?.message ?? '', author: request.webSession!.user.email });
      if (!parsed.success) return incidentsPage(request, reply, 400);
      await engine.incidents.addUpdate(request.params.id ?? '', { message: parsed.data.message, author: parsed.data.author ?? null });
      return reply.redirect('/incidents', 303);
    });
  };
}
