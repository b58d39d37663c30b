import type { ServiceNowCredentials } from './credentials';
import {
  InvalidIdentifierError,
  NotServiceNowError,
  ServiceNowAuthenticationError,
  ServiceNowHttpError,
  ServiceNowRequestAbortedError,
  type ServiceNowRateLimitError,
  ServiceNowRequestError,
  type OAuthGrant,
  type RequestTarget,
} from './errors';
import { parseInstanceUrl, type InstanceUrl } from './instance-url';
import { OAuthTokenManager, abortable, parseTokenGrant, type TokenGrant } from './oauth';
import { parseRetryAfterSeconds } from '../../server/lib/backoff';
import { httpErrorOf, oauthErrorOf, rateLimitErrorOf, requestIdOf, successBodyOf } from './response';
import {
  DEFAULT_RATE_LIMIT_POLICY,
  DEFAULT_RETRY_POLICY,
  clientBackoffDelayMs,
  isRetrySafe,
  rateLimitDelayMs,
  type HttpMethod,
  type RateLimitPolicy,
  type RetryPolicy,
} from './retry-policy';
import { RequestBudget } from './request-budget';
import { systemRuntime, type Runtime } from './runtime';
import { HttpTransport, type RawResponse, type RequestFailedEvent, type ResponseEvent } from './transport';

/**
 * Transport and authentication for one instance: everything the domain clients (Table API, the
 * app's scripted API) need to make a call, and nothing about what the calls mean. Retries network
 * errors and 5xx for idempotent calls, waits out 429s, renews OAuth tokens (one grant at a time),
 * and turns every failure into a typed error.
 */

export interface ServiceNowConnectionOptions {
  /** Any form parseInstanceUrl accepts: `hyper-payments`, `hyper-payments.service-now.com`, a full URL. */
  instance: string;
  credentials: ServiceNowCredentials;
  /** Deadline for opening a connection. Default 10 s. */
  connectTimeoutMs?: number;
  /** Deadline for each attempt: connecting, the headers and the whole body. Default 30 s. */
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  rateLimit?: Partial<RateLimitPolicy>;
  /**
   * The budget every authenticated request takes a slot from (request-budget.ts). Pass the same one
   * to every client of one service account in a process (the sync keeps one per connection); default:
   * this client's own.
   */
  budget?: RequestBudget;
  /** How long before expiry an access token is renewed. Default 60 s (at most half its lifetime). */
  tokenRenewMarginMs?: number;
  /** Sockets kept open to the instance. Default 8. */
  maxConnections?: number;
  /** How long an idle socket is kept. Default 10 s (shorter if the instance's Keep-Alive hint says so). */
  keepAliveTimeoutMs?: number;
  /** Larger answers are refused. Default 64 MiB. */
  maxResponseBytes?: number;
  userAgent?: string;
  /** Called after every attempt that got an HTTP answer, token requests included. */
  onResponse?: (event: ResponseEvent) => void;
  /** Called after every attempt that got no answer. */
  onRequestFailed?: (event: RequestFailedEvent) => void;
  /** Clock, sleep and randomness; tests replace them. */
  runtime?: Partial<Runtime>;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the connection's per-attempt deadline for this call. */
  timeoutMs?: number;
}

export type QueryParameters = Readonly<Record<string, string | number | boolean | undefined>>;

export interface ServiceNowRequest extends CallOptions {
  method: HttpMethod;
  /** Path from the instance root, such as `/api/now/table/incident`; no query string (use `query`). */
  path: string;
  query?: QueryParameters;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Whether repeating the call is harmless, so it may be retried after a network error or 5xx.
   * Defaults: GET, PUT, DELETE yes; PATCH, POST no.
   */
  idempotent?: boolean;
  /** Send no credentials (to see how the host answers an unauthenticated call). */
  anonymous?: boolean;
}

export interface ServiceNowResponse {
  status: number;
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or undefined for an empty answer (204). */
  body: unknown;
  requestId?: string;
}

/** The answer to download(): the bytes read, and whether the file went on past the limit. */
export interface DownloadResponse extends ServiceNowResponse {
  body: Buffer;
  truncated: boolean;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_CONNECTIONS = 8;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const DEFAULT_USER_AGENT = 'incident-io-servicenow-companion';
const TOKEN_PATH = '/oauth_token.do';
const SAFE_PATH = /^(\/[A-Za-z0-9_\-.~]+)+\/?$/;

interface PreparedCall {
  method: HttpMethod;
  path: string;
  search: string;
  headers: Record<string, string>;
  body?: string;
  retrySafe: boolean;
  authenticate: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  errorOf: (target: RequestTarget, raw: RawResponse) => ServiceNowHttpError;
  /** A download: the body as bytes, read up to this many. */
  maxBodyBytes?: number;
}

function checkedPath(path: string): string {
  const valid =
    typeof path === 'string' && SAFE_PATH.test(path) && !path.split('/').some((part) => part === '.' || part === '..');
  if (!valid) {
    throw new InvalidIdentifierError(
      'api_path',
      `${JSON.stringify(String(path).slice(0, 100))} is not an API path: expected "/segment/segment…" made of ` +
        `letters, digits, "_", "-", "." and "~", with the query given separately.`,
    );
  }
  return path;
}

function searchOf(query: QueryParameters | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.append(name, String(value));
  }
  return params.toString();
}

export class ServiceNowConnection {
  readonly instanceUrl: InstanceUrl;
  readonly credentialsKind: ServiceNowCredentials['kind'];

  private readonly transport: HttpTransport;
  private readonly runtime: Runtime;
  private readonly retry: RetryPolicy;
  private readonly rateLimit: RateLimitPolicy;
  private readonly budget: RequestBudget;
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;
  private readonly tokens?: OAuthTokenManager;
  private readonly basicAuthorization?: string;

  constructor(options: ServiceNowConnectionOptions) {
    this.instanceUrl = parseInstanceUrl(options.instance);
    this.credentialsKind = options.credentials.kind;
    this.runtime = { ...systemRuntime, ...options.runtime };
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.rateLimit = { ...DEFAULT_RATE_LIMIT_POLICY, ...options.rateLimit };
    this.budget = options.budget ?? new RequestBudget(this.runtime);
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.transport = new HttpTransport({
      origin: this.instanceUrl,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      ...(options.onRequestFailed ? { onRequestFailed: options.onRequestFailed } : {}),
    });
    const credentials = options.credentials;
    if (credentials.kind === 'password') {
      this.tokens = new OAuthTokenManager(
        credentials,
        (form, grant) => this.requestTokenGrant(form, grant),
        this.runtime,
        options.tokenRenewMarginMs,
      );
    } else {
      const pair = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
      this.basicAuthorization = `Basic ${pair}`;
    }
  }

  /** Makes one API call (with its retries) and returns the parsed answer; throws a typed error otherwise. */
  async request(request: ServiceNowRequest): Promise<ServiceNowResponse> {
    const prepared: PreparedCall = {
      method: request.method,
      path: checkedPath(request.path),
      search: searchOf(request.query),
      headers: { accept: 'application/json', 'user-agent': this.userAgent },
      retrySafe: isRetrySafe(request.method, request.idempotent),
      authenticate: !request.anonymous,
      timeoutMs: request.timeoutMs ?? this.requestTimeoutMs,
      errorOf: (target, raw) => httpErrorOf(target, raw, this.runtime.now()),
      ...(request.signal ? { signal: request.signal } : {}),
    };
    if (request.body !== undefined) {
      prepared.body = JSON.stringify(request.body);
      prepared.headers['content-type'] = 'application/json';
    }
    return this.execute(prepared);
  }

  /**
   * Downloads a file (GET, retried like any GET) as bytes, reading at most maxBytes of it: past them
   * the stream is closed and `truncated` is true, so a file larger than the caller allows is never
   * read in full.
   */
  async download(request: CallOptions & { path: string; query?: QueryParameters; maxBytes: number }): Promise<DownloadResponse> {
    const response = await this.execute({
      method: 'GET',
      path: checkedPath(request.path),
      search: searchOf(request.query),
      headers: { accept: '*/*', 'user-agent': this.userAgent },
      retrySafe: true,
      authenticate: true,
      timeoutMs: request.timeoutMs ?? this.requestTimeoutMs,
      errorOf: (target, raw) => httpErrorOf(target, raw, this.runtime.now()),
      maxBodyBytes: Math.max(0, request.maxBytes),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return response as DownloadResponse;
  }

  /**
   * Checks the credentials now: for OAuth, obtains a token (throwing OAuthError if refused).
   * Basic credentials are only checked by a call.
   */
  async authenticate(options: CallOptions = {}): Promise<void> {
    if (!this.tokens) return;
    const target = { instance: this.instanceUrl, method: 'POST', path: TOKEN_PATH };
    await this.withAbortMapped(target, options.signal, () => this.tokens!.accessToken(options.signal));
  }

  /** Resolves once the calls made so far have their requests on the wire (see HttpTransport.requestsWritten). */
  requestsWritten(): Promise<void> {
    return this.transport.requestsWritten();
  }

  /** Closes the keep-alive sockets; calls made afterwards throw ServiceNowConnectionClosedError. */
  async close(): Promise<void> {
    await this.transport.close();
  }

  private async requestTokenGrant(form: Record<string, string>, grant: OAuthGrant): Promise<TokenGrant> {
    const response = await this.execute({
      method: 'POST',
      path: TOKEN_PATH,
      search: '',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': this.userAgent,
      },
      body: new URLSearchParams(form).toString(),
      // Asking again for a token has no effect beyond the token.
      retrySafe: true,
      authenticate: false,
      timeoutMs: this.requestTimeoutMs,
      errorOf: (target, raw) => oauthErrorOf(target, raw, grant, this.runtime.now()),
    });
    const parsed = parseTokenGrant(response.body);
    if (!parsed) {
      throw new NotServiceNowError({
        instance: this.instanceUrl,
        method: 'POST',
        path: TOKEN_PATH,
        status: response.status,
        bodyKind: 'json_without_servicenow_shape',
      });
    }
    return parsed;
  }

  private async execute(call: PreparedCall): Promise<ServiceNowResponse> {
    const target: RequestTarget = { instance: this.instanceUrl, method: call.method, path: call.path };
    const startedAt = this.runtime.now();
    let attempt = 0;
    let failures = 0;
    let rateLimitRetries = 0;
    let rateLimitWaitedMs = 0;
    let renewedAfter401 = false;
    /** The 429 this call is waiting out: its retry goes first when the pause ends, or the error is thrown if the pause outlasts the wait allowed. */
    let refused: { error: ServiceNowRateLimitError; waitMs: number } | undefined;
    /** Whether an attempt so far may have been processed (anything but a 429 or a refused token), for a call cancelled before its next attempt. */
    let mayHaveBeenProcessed = false;

    for (;;) {
      attempt += 1;
      const token = call.authenticate && this.tokens ? await this.bearerToken(target, call.signal) : undefined;
      const headers = { ...call.headers };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      else if (call.authenticate && this.basicAuthorization) headers.authorization = this.basicAuthorization;

      // Only the service account's own requests count against its rule (not token requests).
      const budgeted = call.authenticate;
      if (budgeted) {
        const took = await this.withAbortMapped(
          target,
          call.signal,
          () => this.budget.take({ maxWaitMs: refused ? refused.waitMs + this.rateLimit.maxWaitMs : this.rateLimit.maxWaitMs, first: refused !== undefined, ...(call.signal ? { signal: call.signal } : {}) }),
          { mayHaveBeenProcessed },
        );
        // A request the budget could not make room for within the wait is sent anyway (its 429 says
        // more than a guess), except a refused one, which is never sent again before the pause ends.
        if (took === 'late' && refused) {
          this.budget.settle();
          throw refused.error;
        }
      }
      refused = undefined;

      let raw: RawResponse;
      try {
        raw = await this.transport.send({
          method: call.method,
          path: call.path,
          search: call.search,
          headers,
          ...(call.body !== undefined ? { body: call.body } : {}),
          timeoutMs: call.timeoutMs,
          ...(call.signal ? { signal: call.signal } : {}),
          ...(call.maxBodyBytes !== undefined ? { maxBodyBytes: call.maxBodyBytes } : {}),
          attempt,
        });
      } catch (err) {
        mayHaveBeenProcessed = true;
        if (budgeted) this.budget.settle();
        if (call.retrySafe && err instanceof ServiceNowRequestError && err.retryable) {
          failures += 1;
          const delay = this.retryDelayMs(failures, startedAt, undefined);
          if (delay !== undefined) {
            await this.pause(delay, target, call.signal);
            continue;
          }
        }
        throw err;
      }
      if (budgeted) this.budget.settle({ status: raw.status, headers: raw.headers });
      if (raw.status !== 429 && raw.status !== 401) mayHaveBeenProcessed = true;

      if (raw.status >= 200 && raw.status < 300 && raw.bodyBytes) {
        const requestId = requestIdOf(raw.headers);
        const download: DownloadResponse = { status: raw.status, headers: raw.headers, body: raw.bodyBytes, truncated: raw.truncated === true, ...(requestId ? { requestId } : {}) };
        return download;
      }
      if (raw.status >= 200 && raw.status < 300) {
        const body = successBodyOf(target, raw);
        const requestId = requestIdOf(raw.headers);
        return { status: raw.status, headers: raw.headers, body, ...(requestId ? { requestId } : {}) };
      }

      // A token we believed valid was refused (revoked, instance restarted): one new token, one retry.
      if (raw.status === 401 && token !== undefined && !renewedAfter401) {
        renewedAfter401 = true;
        this.tokens!.invalidate(token);
        continue;
      }

      // A 429 was not processed, so any method may be sent again, within the waiting budget.
      if (raw.status === 429) {
        const error = rateLimitErrorOf(target, raw, this.runtime.now());
        const wait =
          rateLimitDelayMs(error.retryAfterSeconds, error.rateLimit, this.runtime.now()) ??
          clientBackoffDelayMs(this.retry, rateLimitRetries + 1, this.runtime.random);
        // The whole connection pauses, not only this call: nothing else goes before the time asked for.
        if (budgeted) this.budget.refusedUntil(this.runtime.now() + wait);
        if (rateLimitRetries >= this.rateLimit.maxRetries || rateLimitWaitedMs + wait > this.rateLimit.maxWaitMs) {
          throw error;
        }
        rateLimitRetries += 1;
        rateLimitWaitedMs += wait;
        // The budget holds the retry until the pause ends, then sends it before anything else.
        if (budgeted) refused = { error, waitMs: wait };
        else await this.pause(wait, target, call.signal);
        continue;
      }

      const error = call.errorOf(target, raw);
      if (raw.status >= 500 && call.retrySafe) {
        failures += 1;
        const retryAfter = parseRetryAfterSeconds(raw.headers['retry-after'], this.runtime.now());
        const delay = this.retryDelayMs(failures, startedAt, retryAfter);
        if (delay !== undefined) {
          await this.pause(delay, target, call.signal);
          continue;
        }
      }
      if (renewedAfter401 && error.status === 401 && error.constructor === ServiceNowAuthenticationError) {
        throw new ServiceNowAuthenticationError(
          { ...target, status: 401, ...fieldsOf(error) },
          `ServiceNow refused the service account's access token for ${call.method} ${call.path} twice, the second ` +
            `time just after issuing it. The service account may have been locked out or made inactive: check its ` +
            `user record (setup guide step 3).`,
        );
      }
      throw error;
    }
  }

  /** The wait before retry number `failures`, or undefined when the attempts or the time are used up. */
  private retryDelayMs(failures: number, startedAt: number, retryAfterSeconds: number | undefined): number | undefined {
    if (failures >= this.retry.maxAttempts) return undefined;
    const delay =
      retryAfterSeconds !== undefined
        ? retryAfterSeconds * 1000
        : clientBackoffDelayMs(this.retry, failures, this.runtime.random);
    if (this.runtime.now() - startedAt + delay > this.retry.maxTotalMs) return undefined;
    return delay;
  }

  private bearerToken(target: RequestTarget, signal: AbortSignal | undefined): Promise<string> {
    return this.withAbortMapped(target, signal, () => this.tokens!.accessToken(signal));
  }

  private pause(ms: number, target: RequestTarget, signal: AbortSignal | undefined): Promise<void> {
    return this.withAbortMapped(target, signal, () => abortable(this.runtime.sleep(ms, signal), signal));
  }

  /** Runs `work`; if the caller's signal fired meanwhile, throws ServiceNowRequestAbortedError instead. */
  private async withAbortMapped<T>(target: RequestTarget, signal: AbortSignal | undefined, work: () => Promise<T>, options: { mayHaveBeenProcessed?: boolean } = {}): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (signal?.aborted && !(err instanceof ServiceNowRequestAbortedError)) {
        throw new ServiceNowRequestAbortedError(target, signal.reason, options);
      }
      throw err;
    }
  }
}

function fieldsOf(error: ServiceNowHttpError): {
  serviceNowMessage?: string;
  serviceNowDetail?: string;
  requestId?: string;
} {
  return {
    ...(error.serviceNowMessage !== undefined ? { serviceNowMessage: error.serviceNowMessage } : {}),
    ...(error.serviceNowDetail !== undefined ? { serviceNowDetail: error.serviceNowDetail } : {}),
    ...(error.requestId !== undefined ? { requestId: error.requestId } : {}),
  };
}
