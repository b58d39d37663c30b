import { IncidentSnError } from '../../shared/errors';

/**
 * The errors the ServiceNow client throws. Each has a stable `code`, a message that says what to do,
 * and keeps its `cause`. None of them is ever given a secret (password, client secret, token, signing
 * secret) or a query string, so none can leak one through its message, `toString()` or JSON.
 */

/** Where a failed call was going: the instance origin, the method and the path without its query string. */
export interface RequestTarget {
  instance: string;
  method: string;
  path: string;
}

/** Base of every error about one call to an instance. */
export class ServiceNowRequestError extends IncidentSnError {
  readonly instance: string;
  readonly method: string;
  readonly path: string;

  constructor(target: RequestTarget, message: string, options: { code: string; cause?: unknown }) {
    super(message, options);
    this.instance = target.instance;
    this.method = target.method;
    this.path = target.path;
  }

  /** Whether the same call may succeed if made again (the retry loop decides with the method too). */
  get retryable(): boolean {
    return false;
  }

  /** An explicit JSON form: name, code, message and the error's own fields; never the cause or stack. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) json[key] = value;
    return json;
  }
}

export interface HttpErrorDetails extends RequestTarget {
  status: number;
  /** ServiceNow's `error.message`, when the body had ServiceNow's error shape. */
  serviceNowMessage?: string;
  /** ServiceNow's `error.detail`. */
  serviceNowDetail?: string;
  /** The response's `X-Transaction-ID` (or similar), to quote to ServiceNow support. */
  requestId?: string;
  cause?: unknown;
}

function serviceNowSays(details: HttpErrorDetails): string {
  const parts = [details.serviceNowMessage, details.serviceNowDetail].filter((p): p is string => !!p);
  const said = parts.length > 0 ? `: ${parts.join(': ')}` : '';
  const id = details.requestId ? `, transaction ${details.requestId}` : '';
  return `${details.method} ${details.path} answered ${details.status}${said}${id}`;
}

/** An HTTP answer from the instance that is not a success. Subclasses name the common statuses. */
export class ServiceNowHttpError extends ServiceNowRequestError {
  readonly status: number;
  readonly serviceNowMessage?: string;
  readonly serviceNowDetail?: string;
  readonly requestId?: string;

  constructor(details: HttpErrorDetails, message?: string, code = 'sn_http_error') {
    super(details, message ?? `ServiceNow refused the request (${serviceNowSays(details)}).`, {
      code,
      cause: details.cause,
    });
    this.status = details.status;
    if (details.serviceNowMessage !== undefined) this.serviceNowMessage = details.serviceNowMessage;
    if (details.serviceNowDetail !== undefined) this.serviceNowDetail = details.serviceNowDetail;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }
}

/** 401 on an API call: the credentials (or a token issued for them) were not accepted. */
export class ServiceNowAuthenticationError extends ServiceNowHttpError {
  constructor(details: HttpErrorDetails, message?: string, code = 'sn_authentication_failed') {
    super(
      details,
      message ??
        `ServiceNow did not accept the service account's credentials (${serviceNowSays(details)}). ` +
          `Check the service account's username and password, and that the user is active and not locked out ` +
          `(setup guide step 3).`,
      code,
    );
  }
}

/** 403: authenticated, but an ACL, a missing role, a business rule or a data policy refused the call. */
export class ServiceNowForbiddenError extends ServiceNowHttpError {
  constructor(details: HttpErrorDetails, message?: string) {
    super(
      details,
      message ??
        `ServiceNow refused this to the service account (${serviceNowSays(details)}). ` +
          `Grant it the roles of setup guide step 3 (or admin) and the task ACLs of step 4; ` +
          `if ServiceNow's detail names a business rule or data policy, that rule refused the change.`,
      'sn_forbidden',
    );
  }
}

/** 404: the record (or API) does not exist, or an ACL hides it; ServiceNow answers both the same way. */
export class ServiceNowNotFoundError extends ServiceNowHttpError {
  constructor(details: HttpErrorDetails, message?: string) {
    const appHint = details.path.startsWith('/api/x_incident_io/')
      ? ' If this is the incident.io app\'s API, check that the app is installed (setup guide step 1).'
      : '';
    super(
      details,
      message ??
        `ServiceNow found nothing there (${serviceNowSays(details)}): either it does not exist, or an ACL hides it ` +
          `from the service account (setup guide steps 3 and 4).${appHint}`,
      'sn_not_found',
    );
  }
}

/** The `X-RateLimit-*` headers of a response, as numbers where they are numbers. */
export interface RateLimitInfo {
  /** Requests allowed per period by the matching rule (`X-RateLimit-Limit`). */
  limit?: number;
  /** When the period resets, in Unix seconds (`X-RateLimit-Reset`). */
  resetEpochSeconds?: number;
  /** The sys_id or name of the matching rate limit rule (`X-RateLimit-Rule`). */
  rule?: string;
}

/** 429: a rate limit rule on the instance refused the call; the call was not processed. */
export class ServiceNowRateLimitError extends ServiceNowHttpError {
  readonly retryAfterSeconds?: number;
  readonly rateLimit: RateLimitInfo;

  constructor(details: HttpErrorDetails & { retryAfterSeconds?: number; rateLimit: RateLimitInfo }) {
    const wait =
      details.retryAfterSeconds !== undefined ? ` ServiceNow asks to wait ${details.retryAfterSeconds}s.` : '';
    const rule =
      details.rateLimit.rule !== undefined
        ? ` (rule ${details.rateLimit.rule}${details.rateLimit.limit !== undefined ? `, ${details.rateLimit.limit} requests per period` : ''})`
        : '';
    super(
      details,
      `ServiceNow's rate limit${rule} refused the call (${serviceNowSays(details)}).${wait} ` +
        `Try again later, or ask the ServiceNow admin to raise the service account's rate limit rule ` +
        `(table sys_rate_limit_rules).`,
      'sn_rate_limited',
    );
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    this.rateLimit = details.rateLimit;
  }
}

/** 5xx: the instance (or a proxy in front of it) failed. */
export class ServiceNowServerError extends ServiceNowHttpError {
  constructor(details: HttpErrorDetails) {
    super(
      details,
      `ServiceNow failed to answer (${serviceNowSays(details)}). This is usually temporary: try again later; ` +
        `if it persists, check the instance's status.`,
      'sn_server_error',
    );
  }

  override get retryable(): boolean {
    return true;
  }
}

/** What answered instead of ServiceNow's JSON. */
export type UnexpectedBodyKind = 'html' | 'text' | 'empty' | 'json_without_servicenow_shape';

const BODY_KIND_WORDS: Record<UnexpectedBodyKind, string> = {
  html: 'an HTML page',
  text: 'a body that is not JSON',
  empty: 'an empty body',
  json_without_servicenow_shape: "JSON that is not shaped like ServiceNow's",
};

/** The host answered, but not like a ServiceNow instance does (a web page, a proxy, another service). */
export class NotServiceNowError extends ServiceNowHttpError {
  readonly bodyKind: UnexpectedBodyKind;
  readonly contentType?: string;

  constructor(details: HttpErrorDetails & { bodyKind: UnexpectedBodyKind; contentType?: string }) {
    super(
      details,
      `${details.instance} answered ${details.method} ${details.path} with ${details.status} and ` +
        `${BODY_KIND_WORDS[details.bodyKind]}, not like a ServiceNow instance. Check the instance address ` +
        `(your subdomain, as in https://<subdomain>.service-now.com). A hibernating developer instance also ` +
        `answers with a web page: wake it at developer.servicenow.com.`,
      'sn_not_servicenow',
    );
    this.bodyKind = details.bodyKind;
    if (details.contentType !== undefined) this.contentType = details.contentType;
  }
}

export type OAuthGrant = 'password' | 'refresh_token';

/**
 * The token endpoint refused a grant. ServiceNow answers every cause with the same opaque
 * `401 {"error":"server_error","error_description":"access_denied"}`, so the message lists the
 * causes it may stand for, in the setup guide's terms.
 */
export class OAuthError extends ServiceNowAuthenticationError {
  readonly grant: OAuthGrant;
  readonly oauthError?: string;
  readonly oauthErrorDescription?: string;

  constructor(details: HttpErrorDetails & { grant: OAuthGrant; oauthError?: string; oauthErrorDescription?: string }) {
    const said = [details.oauthError, details.oauthErrorDescription].filter(Boolean).join(' / ');
    const answer = `${details.status}${said ? ` ${said}` : ''}`;
    super(
      details,
      `ServiceNow refused the OAuth token request (${answer}). ServiceNow gives this same answer whatever the ` +
        `cause; the likely ones are:\n` +
        `  - the OAuth client id is unknown, or the client secret is wrong: in ServiceNow, open System OAuth > ` +
        `Application Registry, open the incident.io application and compare its client id and secret with what ` +
        `you entered (setup guide step 2);\n` +
        `  - the service account's username or password is wrong (step 3);\n` +
        `  - the service account is locked out, inactive, or has "Password needs reset" set (step 3): open its ` +
        `user record, check "Active", clear "Locked out" and "Password needs reset", keep "Web service access ` +
        `only" checked, and set its password again.\n` +
        `Then connect again with the corrected values.`,
      'sn_oauth_failed',
    );
    this.grant = details.grant;
    if (details.oauthError !== undefined) this.oauthError = details.oauthError;
    if (details.oauthErrorDescription !== undefined) this.oauthErrorDescription = details.oauthErrorDescription;
  }
}

export type NetworkFailure =
  | 'connection_refused'
  | 'dns'
  | 'tls'
  | 'connection_reset'
  | 'unreachable'
  | 'protocol'
  | 'other';

const NETWORK_ADVICE: Record<NetworkFailure, string> = {
  connection_refused:
    'nothing accepted the connection (connection refused). Check the instance address and port, and that the instance is up.',
  dns: 'its host name does not resolve (DNS). Check the subdomain for typos; your instance is at https://<subdomain>.service-now.com.',
  tls:
    'the TLS handshake failed. Check the scheme (https for a hosted instance, http only for a local one) and any ' +
    'proxy that intercepts TLS; the certificate must be trusted by this host.',
  connection_reset:
    'the connection was closed before ServiceNow answered. A proxy or the instance dropped it; try again later.',
  unreachable: 'the network has no route to it. Check that this host can reach the instance (proxy, firewall).',
  protocol:
    'what answered does not speak HTTP. Check the instance address and port; it is not a ServiceNow instance.',
  other: 'the connection failed. Check that this host can reach the instance (proxy, firewall).',
};

const RETRYABLE_NETWORK_FAILURES: ReadonlySet<NetworkFailure> = new Set([
  'connection_refused',
  'connection_reset',
  'unreachable',
  'other',
]);

/** No HTTP answer: refused, unresolvable, TLS failure, reset. */
export class ServiceNowNetworkError extends ServiceNowRequestError {
  readonly failure: NetworkFailure;
  /** The system error code (ECONNREFUSED, ENOTFOUND, ERR_SSL_…), if any. */
  readonly systemCode?: string;

  constructor(target: RequestTarget, failure: NetworkFailure, options: { systemCode?: string; cause?: unknown }) {
    super(target, `Could not reach ServiceNow at ${target.instance} for ${target.method} ${target.path}: ${NETWORK_ADVICE[failure]}`, {
      code: 'sn_unreachable',
      cause: options.cause,
    });
    this.failure = failure;
    if (options.systemCode !== undefined) this.systemCode = options.systemCode;
  }

  override get retryable(): boolean {
    // A temporary DNS failure (EAI_AGAIN) is worth retrying; a name that does not exist is not.
    return RETRYABLE_NETWORK_FAILURES.has(this.failure) || this.systemCode === 'EAI_AGAIN';
  }
}

/** No (complete) answer within the time allowed for one attempt. */
export class ServiceNowTimeoutError extends ServiceNowRequestError {
  readonly timeoutMs: number;
  readonly phase: 'connect' | 'response';

  constructor(target: RequestTarget, phase: 'connect' | 'response', timeoutMs: number, cause?: unknown) {
    const what = phase === 'connect' ? 'accept a connection' : `answer ${target.method} ${target.path}`;
    super(
      target,
      `ServiceNow at ${target.instance} did not ${what} within ${timeoutMs / 1000}s. The instance may be slow, ` +
        `overloaded or hibernating, or a firewall may drop the connection; try again, or allow a longer timeout.`,
      { code: 'sn_timeout', cause },
    );
    this.timeoutMs = timeoutMs;
    this.phase = phase;
  }

  override get retryable(): boolean {
    return true;
  }
}

/** The caller's AbortSignal fired. */
export class ServiceNowRequestAbortedError extends ServiceNowRequestError {
  /**
   * False when ServiceNow cannot have processed any of the call: it was cancelled while it waited for
   * a slot of the connection's rate-limit budget, and every earlier attempt was refused (429, 401).
   */
  readonly mayHaveBeenProcessed: boolean;

  constructor(target: RequestTarget, cause?: unknown, options: { mayHaveBeenProcessed?: boolean } = {}) {
    const waiting = options.mayHaveBeenProcessed === false ? ' (it was waiting for the rate limit: nothing was processed)' : '';
    super(target, `${target.method} ${target.path} was cancelled before ServiceNow answered${waiting}.`, {
      code: 'sn_aborted',
      cause,
    });
    this.mayHaveBeenProcessed = options.mayHaveBeenProcessed ?? true;
  }
}

/** The answer was larger than the client accepts (a page size too big for the fields asked for). */
export class ServiceNowResponseTooLargeError extends ServiceNowRequestError {
  readonly maxBytes: number;

  constructor(target: RequestTarget, maxBytes: number) {
    super(
      target,
      `ServiceNow's answer to ${target.method} ${target.path} is larger than ${maxBytes} bytes: ask for fewer ` +
        `records per page or fewer fields.`,
      { code: 'sn_response_too_large' },
    );
    this.maxBytes = maxBytes;
  }
}

/** A call on a connection after `close()`. */
export class ServiceNowConnectionClosedError extends IncidentSnError {
  constructor() {
    super('This ServiceNow connection is closed; create a new one.', { code: 'sn_connection_closed' });
  }
}

/** Why an instance address was refused (for tests and for callers that want to branch). */
export type InstanceAddressProblem =
  | 'empty'
  | 'whitespace_or_control_characters'
  | 'unsupported_scheme'
  | 'credentials'
  | 'query'
  | 'fragment'
  | 'path'
  | 'invalid_host'
  | 'plain_http_to_service_now'
  | 'missing_scheme'
  | 'not_an_address';

/** An instance address that is neither a subdomain, a *.service-now.com host, nor a clean http(s) URL. */
export class InvalidInstanceAddressError extends IncidentSnError {
  readonly problem: InstanceAddressProblem;

  constructor(problem: InstanceAddressProblem, message: string) {
    super(message, { code: 'invalid_instance_address' });
    this.problem = problem;
  }
}

/** A condition that cannot be written safely as an encoded query. */
export class InvalidQueryError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'invalid_encoded_query' });
  }
}

export type IdentifierKind = 'table' | 'field' | 'sys_id' | 'api_path';

/** A table name, field name, sys_id or API path that is not safe to put in a URL or query. */
export class InvalidIdentifierError extends IncidentSnError {
  readonly kind: IdentifierKind;

  constructor(kind: IdentifierKind, message: string) {
    super(message, { code: 'invalid_identifier' });
    this.kind = kind;
  }
}

/** An option out of its allowed range (a page size of 0, a negative offset). */
export class InvalidClientOptionError extends IncidentSnError {
  constructor(message: string) {
    super(message, { code: 'invalid_client_option' });
  }
}

/** The incident.io app answered, but with a shape this companion does not understand (versions out of step). */
export class UnexpectedAppResponseError extends ServiceNowRequestError {
  constructor(target: RequestTarget, what: string) {
    super(
      target,
      `The incident.io app's answer to ${target.method} ${target.path} is not what this companion expects (${what}). ` +
        `The app on the instance and this companion may be out of step: update the app (setup guide step 1).`,
      { code: 'sn_app_unexpected_response' },
    );
  }
}
