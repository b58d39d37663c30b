import { randomBytes } from 'node:crypto';
import { parse, serialize } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { queryCondition } from '../query';
import type { Session } from '../records/session';
import type { RecordSnapshot } from '../records/hooks';
import { SESSION_COOKIE } from '../security/ui-sessions';

/**
 * The local instance's own minimal web UI, at the platform's URLs, so a person can follow a change
 * on both sides in a browser: /login.do, /incident_list.do, /incident.do?sys_id=…, and the app's
 * outbox list. Read-only, with the signed-in user's ACLs; every page says it is the emulator.
 */

const COOKIE = 'glide_session_store';
const SESSION_TTL_MS = 8 * 3600_000;
const LIST_LIMIT = 100;
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const INCIDENT_LIST_FIELDS = ['number', 'short_description', 'state', 'priority', 'assigned_to', 'sys_updated_on'];
const INCIDENT_FIELDS = ['number', 'short_description', 'description', 'state', 'impact', 'urgency', 'priority', 'category', 'assignment_group', 'assigned_to', 'caller_id', 'opened_by', 'sys_created_on', 'sys_updated_on', 'sys_updated_by', 'sys_mod_count'];
export const OUTBOX_TABLE = 'x_incident_io_outbound_event';
const OUTBOX_FIELDS = ['sys_created_on', 'event_type', 'incident_number', 'sequence', 'state', 'attempts', 'last_http_status', 'last_error', 'next_attempt_at'];

function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function pageHtml(title: string, body: string, user: string | null): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · local instance (emulator)</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1f24}header{background:#293e40;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
header a{color:#fff}.emu{background:#ffd866;color:#000;padding:6px 16px;font-weight:600}main{padding:16px;max-width:1100px}table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #ddd;padding:5px 8px;text-align:left;vertical-align:top}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:#555}dd{margin:0}
label{display:block;font-weight:600;margin-top:8px}input{font:inherit;padding:6px;width:100%;max-width:320px}button{font:inherit;margin-top:12px;padding:6px 14px}.scroll{overflow-x:auto}.err{color:#b3261e}</style></head>
<body><p class="emu" role="note">This is the local ServiceNow instance, an emulator for development and tests, not a real ServiceNow instance.</p>
<header><strong>Local instance</strong>${user ? `<a href="/incident_list.do">Incidents</a><a href="/${OUTBOX_TABLE}_list.do">incident.io outbox</a><span>${esc(user)}</span><form method="post" action="/logout.do"><button type="submit">Log out</button></form>` : ''}</header>
<main><h1>${esc(title)}</h1>${body}</main></body></html>`;
}

export function registerUiRoutes(app: FastifyInstance): void {
  const { engine, auth } = app.instanceContext;
  const sessions = new Map<string, { userSysId: string; expiresAt: number }>();

  const sessionOf = (request: FastifyRequest): Session | null => {
    const token = parse(request.headers.cookie ?? '')[COOKIE];
    const entry = token ? sessions.get(token) : undefined;
    if (!token || !entry || entry.expiresAt < engine.now()) return null;
    return engine.sessionForUser(entry.userSysId);
  };

  const send = (reply: FastifyReply, status: number, html: string) =>
    reply.code(status).header('content-security-policy', CSP).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);

  const signedIn = (request: FastifyRequest, reply: FastifyReply): Session | null => {
    const session = sessionOf(request);
    if (!session) reply.redirect(`/login.do?uri=${encodeURIComponent(request.url)}`, 303);
    return session;
  };

  const display = (record: RecordSnapshot, field: string) => {
    try {
      return engine.displayValue(record, field);
    } catch {
      return String(record.values[field] ?? '');
    }
  };

  const loginForm = (error: string, uri: string, user = '') =>
    pageHtml(
      'Log in',
      `${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}<form method="post" action="/login.do">
<input type="hidden" name="uri" value="${esc(uri)}">
<label for="user_name">User name</label><input id="user_name" name="user_name" autocomplete="username" value="${esc(user)}" required>
<label for="user_password">Password</label><input id="user_password" name="user_password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form><p>Seeded users: admin/admin, itil.user/itil-password.</p>`,
      null,
    );

  const safeUri = (uri: string | undefined) => (uri && /^\/(?!\/)/.test(uri) && !uri.startsWith('/login.do') ? uri : '/incident_list.do');

  app.get<{ Querystring: { uri?: string } }>('/login.do', async (request, reply) => send(reply, 200, loginForm('', safeUri(request.query.uri))));

  app.post('/login.do', async (request, reply) => {
    const form = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
    const user = form.get('user_name') ?? '';
    const session = await auth.withPassword(user, form.get('user_password') ?? '');
    if (!session) return send(reply, 401, loginForm('User name or password invalid.', safeUri(form.get('uri') ?? undefined), user));
    const token = randomBytes(24).toString('base64url');
    sessions.set(token, { userSysId: session.userSysId, expiresAt: engine.now() + SESSION_TTL_MS });
    reply.header('set-cookie', serialize(COOKIE, token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: SESSION_TTL_MS / 1000 }));
    return reply.redirect(safeUri(form.get('uri') ?? undefined), 303);
  });

  app.post('/logout.do', async (request, reply) => {
    const token = parse(request.headers.cookie ?? '')[COOKIE];
    if (token) sessions.delete(token);
    reply.header('set-cookie', serialize(COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 }));
    return reply.redirect('/login.do', 303);
  });

  const list = (request: FastifyRequest, reply: FastifyReply, session: Session, table: string, title: string, fields: string[], link: boolean) => {
    if (!engine.hasTable(table)) return send(reply, 404, pageHtml(title, `<p>The table ${esc(table)} does not exist (is the app installed?).</p>`, session.userName));
    if (!engine.canRead(table, session)) return send(reply, 403, pageHtml(title, `<p>${esc(session.userName)} may not read ${esc(table)}.</p>`, session.userName));
    const { records } = engine.query(table, { query: 'ORDERBYDESCsys_created_on', limit: LIST_LIMIT, session, enforceAcl: true });
    const rows = records
      .map((r) => `<tr>${fields.map((f, i) => `<td>${i === 0 && link ? `<a href="/${table}.do?sys_id=${esc(r.sysId)}">${esc(display(r, f))}</a>` : esc(display(r, f))}</td>`).join('')}</tr>`)
      .join('');
    const head = fields.map((f) => `<th scope="col">${esc(engine.tableMeta(table).columns.get(f)?.label ?? f)}</th>`).join('');
    return send(reply, 200, pageHtml(title, `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${rows || `<tr><td colspan="${fields.length}">No records.</td></tr>`}</tbody></table></div>`, session.userName));
  };

  app.get('/incident_list.do', async (request, reply) => {
    const session = signedIn(request, reply);
    return session ? list(request, reply, session, 'incident', 'Incidents', INCIDENT_LIST_FIELDS, true) : reply;
  });

  app.get(`/${OUTBOX_TABLE}_list.do`, async (request, reply) => {
    const session = signedIn(request, reply);
    return session ? list(request, reply, session, OUTBOX_TABLE, 'incident.io outbox (the app’s events)', OUTBOX_FIELDS, false) : reply;
  });

  app.get<{ Querystring: { sys_id?: string } }>('/incident.do', async (request, reply) => {
    const session = signedIn(request, reply);
    if (!session) return reply;
    const record = engine.get('incident', request.query.sys_id ?? '', { session, enforceAcl: true });
    if (!record) return send(reply, 404, pageHtml('Incident', `<p>No incident with sys_id ${esc(request.query.sys_id ?? '')} that ${esc(session.userName)} may read.</p>`, session.userName));
    const fields = INCIDENT_FIELDS.map((f) => `<dt>${esc(f)}</dt><dd>${esc(display(record, f))}</dd>`).join('');
    const journal = engine.query('sys_journal_field', { query: `${queryCondition('element_id', '=', record.sysId)}^ORDERBYDESCsys_created_on`, limit: 50 }).records;
    const entries = journal
      .map((j) => `<li><strong>${esc(j.values.element)}</strong> · ${esc(j.values.sys_created_by)} · ${esc(j.values.sys_created_on)}<br>${esc(j.values.value)}</li>`)
      .join('');
    return send(reply, 200, pageHtml(`Incident ${display(record, 'number')}`, `<dl>${fields}</dl><h2>Activity</h2><ol>${entries || '<li>No comments or work notes.</li>'}</ol>`, session.userName));
  });

  // An app's UI pages (sys_ui_page) at their endpoints, for a signed-in user: the page's HTML
  // (static XHTML; Jelly tags are not evaluated here) and its client script, with g_ck, the token a
  // page's REST calls repeat in X-UserToken along with the session cookie this answer sets.
  app.get<{ Params: { page: string } }>('/:page', async (request, reply) => {
    const endpoint = request.params.page;
    const page = /^[\w.-]+\.do$/.test(endpoint)
      ? engine.query('sys_ui_page', { query: queryCondition('endpoint', '=', endpoint), limit: 1, session: engine.systemSession() }).records[0]
      : undefined;
    if (!page) return send(reply, 404, pageHtml('Not found', `<p>No page ${esc(endpoint)} on this instance.</p>`, null));
    const session = signedIn(request, reply);
    if (!session) return reply;
    const ui = auth.ui.create(session.userSysId);
    const nonce = randomBytes(16).toString('base64');
    const script = `<script nonce="${nonce}">window.g_ck = ${JSON.stringify(ui.userToken)};</script>` +
      (page.values.client_script ? `<script nonce="${nonce}">${page.values.client_script.replace(/<\/script/gi, '<\\/script')}</script>` : '');
    reply.header('set-cookie', serialize(SESSION_COOKIE, ui.id, { httpOnly: true, sameSite: 'lax', path: '/' }));
    return reply
      .code(200)
      .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(pageHtml(page.values.description || endpoint, `${page.values.html ?? ''}${script}`, session.userName));
  });
}
