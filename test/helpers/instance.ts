import { startInstance, type RunningInstance, type StartInstanceOptions } from '../../src/instance';

/**
 * Starts local instances for tests (real HTTP on an ephemeral port, a private temporary database)
 * and talks to them the way a client does. Seed changes per test:
 *
 *   const sn = await startTestInstance({ seed: (s) => seedEdits.lockUser(s, 'svc_incident_io') });
 *   const token = await sn.tokenFor(USERS.svc);
 *   const res = await sn.request('GET', '/api/now/table/incident', { auth: { bearer: token } });
 *
 * or, for a whole file: `const sn = useInstance({ tokenLifetimes: { accessSeconds: 1 } });` and
 * `sn()` inside tests.
 */

export interface Credentials {
  user: string;
  password: string;
}

/** The default seed's accounts. */
export const USERS = {
  admin: { user: 'admin', password: 'admin' },
  svc: { user: 'svc_incident_io', password: 'svc-local-password' },
  itil: { user: 'itil.user', password: 'itil-password' },
  itilAdmin: { user: 'itil.admin', password: 'itil-admin-password' },
} as const satisfies Record<string, Credentials>;

/** The default seed's OAuth application. */
export const OAUTH_CLIENT = { id: 'incident-io-local', secret: 'local-client-secret' } as const;

export type Auth = Credentials | { bearer: string } | { header: string } | null;

export interface RequestOptions {
  /** Who: credentials (Basic), a bearer token, a raw Authorization value, or null for none. Default: admin. */
  auth?: Auth;
  /** A JSON body (objects are serialised; strings and Buffers sent as they are). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Query parameters added to the path. */
  query?: Record<string, string | number | boolean>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  json: unknown;
}

export interface TokenBody {
  scope: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  access_token: string;
}

export interface TestInstance extends RunningInstance {
  /** `Authorization: Basic …` for credentials. */
  basic(credentials: Credentials): string;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** GET a Table API list; returns the response and its `result` array. */
  list(table: string, query?: Record<string, string | number | boolean>, auth?: Auth): Promise<TestResponse & { result: Array<Record<string, unknown>> }>;
  /** POST /oauth_token.do with a form body; returns the raw response. */
  tokenRequest(form: Record<string, string>): Promise<TestResponse>;
  /** A password-grant token response for a user (fails the test when refused). */
  tokens(credentials: Credentials, client?: { id: string; secret: string }): Promise<TokenBody>;
  /** An access token for a user (password grant with the default OAuth client). */
  tokenFor(credentials: Credentials, client?: { id: string; secret: string }): Promise<string>;
}

function authHeader(auth: Auth | undefined): string | undefined {
  const a = auth === undefined ? USERS.admin : auth;
  if (a === null) return undefined;
  if ('bearer' in a) return `Bearer ${a.bearer}`;
  if ('header' in a) return a.header;
  return `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}`;
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Starts an instance (silent, ephemeral port, temporary database unless `dbPath` says otherwise). */
export async function startTestInstance(options: StartInstanceOptions = {}): Promise<TestInstance> {
  const running = await startInstance({ logLevel: 'silent', ...options });
  const request = async (method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse> => {
    const url = new URL(path, running.url);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    const authorization = authHeader(opts.auth);
    if (authorization) headers.authorization = authorization;
    let body: string | Buffer | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: parse(text) };
  };
  const tokenRequest = (form: Record<string, string>): Promise<TestResponse> =>
    request('POST', '/oauth_token.do', {
      auth: null,
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const tokens = async (credentials: Credentials, client: { id: string; secret: string } = OAUTH_CLIENT): Promise<TokenBody> => {
    const res = await tokenRequest({
      grant_type: 'password',
      client_id: client.id,
      client_secret: client.secret,
      username: credentials.user,
      password: credentials.password,
    });
    if (res.status !== 200) throw new Error(`token request for ${credentials.user} failed: ${res.status} ${res.text}`);
    return res.json as TokenBody;
  };
  return Object.assign(running, {
    basic: (c: Credentials) => authHeader(c) as string,
    request,
    list: async (table: string, query: Record<string, string | number | boolean> = {}, auth?: Auth) => {
      const res = await request('GET', `/api/now/table/${table}`, { query, auth });
      const result = (res.json as { result?: Array<Record<string, unknown>> } | undefined)?.result ?? [];
      return { ...res, result };
    },
    tokenRequest,
    tokens,
    tokenFor: async (credentials: Credentials, client?: { id: string; secret: string }) => (await tokens(credentials, client)).access_token,
  });
}

/**
 * One instance for a whole test file (beforeAll / afterAll). Returns a getter: call it inside tests.
 */
export function useInstance(options: StartInstanceOptions = {}): () => TestInstance {
  let instance: TestInstance | null = null;
  beforeAll(async () => {
    instance = await startTestInstance(options);
  });
  afterAll(async () => {
    await instance?.close();
    instance = null;
  });
  return () => {
    if (!instance) throw new Error('the test instance is not running (useInstance must be called at the top of a describe block)');
    return instance;
  };
}
