import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small fake of a ServiceNow instance over real HTTP (port 0), for the client's unit tests: the
 * OAuth endpoint (200 grant, opaque 401), the Table API (`{"result": …}`, the error shape, 201 +
 * Location, 204), the app's health API, and one-shot overrides for what is hard to provoke on a
 * real instance: 429 with Retry-After and X-RateLimit-*, 503, a reset connection, no answer at all.
 * Shapes follow /work/shared/reference/servicenow-rest-facts.md.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Answers one request; returning 'pass' lets the fake's normal behaviour answer instead. */
export type Responder = (request: RecordedRequest, response: http.ServerResponse) => void | 'pass';

export interface FakeAccount {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

export interface FakeServiceNowOptions {
  account?: Partial<FakeAccount>;
  accessTokenLifetimeSeconds?: number;
  /** Delay before the token endpoint answers, so concurrent callers pile up behind one grant. */
  tokenDelayMs?: number;
}

interface Override {
  matches: (request: RecordedRequest) => boolean;
  respond: Responder;
  remaining: number;
}

export const DEFAULT_ACCOUNT: FakeAccount = {
  clientId: 'fake-client-id',
  clientSecret: 'fake-client-secret-7c1f',
  username: 'svc_incident_io',
  password: 'fake-password-93bd',
};

const OPAQUE_OAUTH_FAILURE = { error_description: 'access_denied', error: 'server_error' };

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendError(response: http.ServerResponse, status: number, message: string, detail: string | null, headers: http.OutgoingHttpHeaders = {}): void {
  sendJson(response, status, { error: { message, detail }, status: 'failure' }, headers);
}

/** Ready-made responders for `fake.once(…)`. */
export const answer = {
  json(status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): Responder {
    return (_req, res) => sendJson(res, status, body, headers);
  },
  error(status: number, message: string, detail: string | null = null, headers: http.OutgoingHttpHeaders = {}): Responder {
    return (_req, res) => sendError(res, status, message, detail, headers);
  },
  serviceUnavailable(headers: http.OutgoingHttpHeaders = {}): Responder {
    return (_req, res) => sendError(res, 503, 'Service Unavailable', 'The instance is busy', headers);
  },
  rateLimited(options: { retryAfter?: string; reset?: number; limit?: number; rule?: string }): Responder {
    return (_req, res) => {
      const headers: http.OutgoingHttpHeaders = {};
      if (options.retryAfter !== undefined) headers['retry-after'] = options.retryAfter;
      if (options.reset !== undefined) headers['x-ratelimit-reset'] = String(options.reset);
      if (options.limit !== undefined) headers['x-ratelimit-limit'] = String(options.limit);
      if (options.rule !== undefined) headers['x-ratelimit-rule'] = options.rule;
      sendError(res, 429, 'Rate limit exceeded', 'Rate limit of 5000 requests per hour exceeded for the user', headers);
    };
  },
  text(status: number, body: string): Responder {
    return (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
  },
  html(status: number): Responder {
    return (_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html;charset=UTF-8' });
      res.end('<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hello</body></html>');
    };
  },
  /** Closes the socket without any answer (the client sees a reset / "other side closed"). */
  reset(): Responder {
    return (_req, res) => {
      res.socket?.destroy();
    };
  },
  /** Answers with `responder` after `ms`. */
  delayed(ms: number, responder: Responder): Responder {
    return (req, res) => {
      setTimeout(() => responder(req, res), ms);
    };
  },
  /** Never answers. */
  hang(): Responder {
    return () => undefined;
  },
};

export class FakeServiceNow {
  readonly requests: RecordedRequest[] = [];
  readonly account: FakeAccount;
  /** Records per table, kept in sys_id order. */
  readonly tables = new Map<string, Record<string, string>[]>();
  accessTokenLifetimeSeconds: number;
  tokenDelayMs: number;
  /** Extra fields for GET /api/x_incident_io/v1/sync/health; null answers 404 as if the app were missing. */
  health: Record<string, unknown> | null = { app: { scope: 'x_incident_io', version: '1.0.0' } };

  private readonly validAccessTokens = new Set<string>();
  private readonly validRefreshTokens = new Set<string>();
  private readonly overrides: Override[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  private transactionCounter = 0;
  /** TCP connections accepted so far (keep-alive means few). */
  connectionsAccepted = 0;

  private constructor(
    private readonly server: http.Server,
    options: FakeServiceNowOptions,
  ) {
    this.account = { ...DEFAULT_ACCOUNT, ...options.account };
    this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 1800;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
  }

  static async start(options: FakeServiceNowOptions = {}): Promise<FakeServiceNow> {
    const server = http.createServer();
    const fake = new FakeServiceNow(server, options);
    server.on('connection', (socket) => {
      fake.connectionsAccepted += 1;
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Answers the next `times` requests matching `method` and `path` (exact, or a RegExp) with `respond`. */
  once(match: { method?: string; path?: string | RegExp }, respond: Responder, times = 1): void {
    this.overrides.push({
      matches: (r) =>
        (match.method === undefined || r.method === match.method) &&
        (match.path === undefined || (typeof match.path === 'string' ? r.path === match.path : match.path.test(r.path))),
      respond,
      remaining: times,
    });
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/oauth_token.do');
  }

  apiRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/api/'));
  }

  /** As if the instance forgot every access token (restart, revocation): the next API call gets a 401. */
  revokeAccessTokens(): void {
    this.validAccessTokens.clear();
  }

  revokeRefreshTokens(): void {
    this.validRefreshTokens.clear();
  }

  seed(table: string, records: Record<string, string>[]): void {
    const rows = [...(this.tables.get(table) ?? []), ...records.map((r) => ({ sys_id: newSysId(), ...r }))];
    rows.sort((a, b) => a.sys_id!.localeCompare(b.sys_id!));
    this.tables.set(table, rows);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(request);
      this.transactionCounter += 1;
      res.setHeader('x-transaction-id', `fake${this.transactionCounter.toString(16).padStart(8, '0')}`);
      res.setHeader('server', 'ServiceNow');
      const override = this.overrides.find((o) => o.remaining > 0 && o.matches(request));
      if (override) {
        override.remaining -= 1;
        if (override.respond(request, res) !== 'pass') return;
      }
      this.route(request, res);
    });
  }

  private route(request: RecordedRequest, res: http.ServerResponse): void {
    if (request.path === '/oauth_token.do') {
      setTimeout(() => this.token(request, res), this.tokenDelayMs);
      return;
    }
    if (!request.path.startsWith('/api/')) {
      answer.html(200)(request, res);
      return;
    }
    if (!this.authenticated(request)) {
      sendError(res, 401, 'User Not Authenticated', 'Required to provide Auth information');
      return;
    }
    const sync = /^\/api\/x_incident_io\/v1\/sync\/([a-z]+)$/.exec(request.path);
    if (sync) {
      this.syncApi(sync[1]!, request, res);
      return;
    }
    const table = /^\/api\/now\/(?:v[12]\/)?table\/([a-z0-9_]+)(?:\/([^/]+))?$/.exec(request.path);
    if (table) {
      this.tableApi(table[1]!, table[2], request, res);
      return;
    }
    sendError(res, 400, 'Requested URI does not represent any resource', null);
  }

  private authenticated(request: RecordedRequest): boolean {
    const authorization = request.headers.authorization ?? '';
    if (authorization.startsWith('Bearer ')) return this.validAccessTokens.has(authorization.slice(7));
    if (authorization.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      return user === this.account.username && rest.join(':') === this.account.password;
    }
    return false;
  }

  private token(request: RecordedRequest, res: http.ServerResponse): void {
    if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      sendJson(res, 500, { error: 'server_error', error_description: 'Unexpected request body' });
      return;
    }
    const form = new URLSearchParams(request.body);
    const clientOk = form.get('client_id') === this.account.clientId && form.get('client_secret') === this.account.clientSecret;
    let granted = false;
    if (clientOk && form.get('grant_type') === 'password') {
      granted = form.get('username') === this.account.username && form.get('password') === this.account.password;
    } else if (clientOk && form.get('grant_type') === 'refresh_token') {
      granted = this.validRefreshTokens.has(form.get('refresh_token') ?? '');
    }
    if (!granted) {
      sendJson(res, 401, OPAQUE_OAUTH_FAILURE);
      return;
    }
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
    this.validAccessTokens.add(accessToken);
    this.validRefreshTokens.add(refreshToken);
    sendJson(res, 200, {
      scope: 'useraccount',
      token_type: 'Bearer',
      expires_in: this.accessTokenLifetimeSeconds,
      refresh_token: refreshToken,
      access_token: accessToken,
    });
  }

  private syncApi(name: string, request: RecordedRequest, res: http.ServerResponse): void {
    if (this.health === null) {
      sendError(res, 400, 'Requested URI does not represent any resource', null);
      return;
    }
    if (name === 'health' && request.method === 'GET') sendJson(res, 200, { result: this.health });
    else if (name === 'config' && request.method === 'PUT') sendJson(res, 200, { result: { received: JSON.parse(request.body) } });
    else if (name === 'resend' && request.method === 'POST') sendJson(res, 200, { result: { requeued: 0 } });
    else sendError(res, 405, 'Method not Supported', null);
  }

  private tableApi(tableName: string, sysId: string | undefined, request: RecordedRequest, res: http.ServerResponse): void {
    const rows = this.tables.get(tableName) ?? [];
    const fields = request.query.get('sysparm_fields')?.split(',');
    const project = (row: Record<string, string>): Record<string, string> =>
      fields ? Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, row[f]!])) : row;
    const notFound = (): void =>
      sendError(res, 404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");

    if (request.method === 'GET' && sysId === undefined) {
      const matching = rows.filter((row) => matchesEqualities(row, request.query.get('sysparm_query') ?? ''));
      const offset = Number(request.query.get('sysparm_offset') ?? '0');
      const limit = Number(request.query.get('sysparm_limit') ?? '10000');
      const headers: http.OutgoingHttpHeaders =
        request.query.get('sysparm_no_count') === 'true' ? {} : { 'x-total-count': String(matching.length) };
      sendJson(res, 200, { result: matching.slice(offset, offset + limit).map(project) }, headers);
      return;
    }
    if (request.method === 'POST' && sysId === undefined) {
      const row = { ...(JSON.parse(request.body) as Record<string, string>), sys_id: newSysId() };
      this.seed(tableName, [row]);
      sendJson(res, 201, { result: project(row) }, { location: `${this.url}/api/now/table/${tableName}/${row.sys_id}` });
      return;
    }
    const index = rows.findIndex((row) => row.sys_id === sysId);
    if (index === -1) {
      notFound();
      return;
    }
    if (request.method === 'GET') sendJson(res, 200, { result: project(rows[index]!) });
    else if (request.method === 'PATCH' || request.method === 'PUT') {
      rows[index] = { ...rows[index]!, ...(JSON.parse(request.body) as Record<string, string>) };
      sendJson(res, 200, { result: project(rows[index]!) });
    } else if (request.method === 'DELETE') {
      rows.splice(index, 1);
      res.writeHead(204);
      res.end();
    } else sendError(res, 405, 'Method not Supported', null);
  }
}

export function newSysId(): string {
  return randomBytes(16).toString('hex');
}

/** Only `field=value` clauses joined by `^` (enough for these tests); sort keys are ignored (rows are kept in sys_id order). */
function matchesEqualities(row: Record<string, string>, query: string): boolean {
  return query
    .split('^')
    .filter((clause) => clause !== '' && !clause.startsWith('ORDERBY'))
    .every((clause) => {
      const eq = clause.indexOf('=');
      return eq > 0 && row[clause.slice(0, eq)] === clause.slice(eq + 1);
    });
}
