import {
  NotServiceNowError,
  OAuthError,
  ServiceNowAuthenticationError,
  ServiceNowForbiddenError,
  ServiceNowHttpError,
  ServiceNowNotFoundError,
  ServiceNowRateLimitError,
  ServiceNowServerError,
  type HttpErrorDetails,
  type OAuthGrant,
  type RequestTarget,
  type UnexpectedBodyKind,
} from './errors';
import { parseRetryAfterSeconds } from '../../server/lib/backoff';
import { parseRateLimitHeaders } from './retry-policy';
import type { RawResponse } from './transport';

/**
 * Reading an instance's answer: its JSON, ServiceNow's error shape
 * (`{"error":{"message","detail"},"status":"failure"}`), and which typed error a failure becomes.
 */

/** Headers that carry the instance's id for the transaction, first match wins. */
const REQUEST_ID_HEADERS = ['x-transaction-id', 'x-request-id'];
const MAX_TEXT = 500;

export type ParsedBody = { kind: 'json'; json: unknown } | { kind: Exclude<UnexpectedBodyKind, 'json_without_servicenow_shape'> };

export function parseBody(raw: RawResponse): ParsedBody {
  const text = raw.bodyText.trim();
  if (text === '') return { kind: 'empty' };
  const contentType = (raw.headers['content-type'] ?? '').toLowerCase();
  const looksJson = contentType.includes('json') || (contentType === '' && /^[[{]/.test(text));
  if (looksJson) {
    try {
      return { kind: 'json', json: JSON.parse(text) as unknown };
    } catch {
      return { kind: 'text' };
    }
  }
  return contentType.includes('html') || text.startsWith('<') ? { kind: 'html' } : { kind: 'text' };
}

function shortText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
}

/** ServiceNow's `error.message` and `error.detail`, when the body has that shape. */
export function serviceNowErrorOf(json: unknown): { message?: string; detail?: string } | undefined {
  if (!json || typeof json !== 'object') return undefined;
  const error = (json as { error?: unknown }).error;
  if (!error || typeof error !== 'object' || Array.isArray(error)) return undefined;
  const message = shortText((error as { message?: unknown }).message);
  const detail = shortText((error as { detail?: unknown }).detail);
  if (message === undefined && detail === undefined) return undefined;
  return { ...(message !== undefined ? { message } : {}), ...(detail !== undefined ? { detail } : {}) };
}

export function requestIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers[name]?.trim();
    if (value) return value.slice(0, 100);
  }
  return undefined;
}

function detailsOf(target: RequestTarget, raw: RawResponse, said: { message?: string; detail?: string } | undefined): HttpErrorDetails {
  const details: HttpErrorDetails = { ...target, status: raw.status };
  if (said?.message !== undefined) details.serviceNowMessage = said.message;
  if (said?.detail !== undefined) details.serviceNowDetail = said.detail;
  const requestId = requestIdOf(raw.headers);
  if (requestId !== undefined) details.requestId = requestId;
  return details;
}

function notServiceNow(target: RequestTarget, raw: RawResponse, kind: UnexpectedBodyKind): NotServiceNowError {
  const contentType = raw.headers['content-type'];
  return new NotServiceNowError({
    ...detailsOf(target, raw, undefined),
    bodyKind: kind,
    ...(contentType !== undefined ? { contentType: contentType.slice(0, 100) } : {}),
  });
}

/** The 429 error for an answer, with its `Retry-After` and `X-RateLimit-*` values. */
export function rateLimitErrorOf(target: RequestTarget, raw: RawResponse, nowMs: number): ServiceNowRateLimitError {
  const parsed = parseBody(raw);
  const said = parsed.kind === 'json' ? serviceNowErrorOf(parsed.json) : undefined;
  const retryAfterSeconds = parseRetryAfterSeconds(raw.headers['retry-after'], nowMs);
  return new ServiceNowRateLimitError({
    ...detailsOf(target, raw, said),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    rateLimit: parseRateLimitHeaders(raw.headers),
  });
}

/** The typed error for a failed (non-2xx) answer to an API call. */
export function httpErrorOf(target: RequestTarget, raw: RawResponse, nowMs: number): ServiceNowHttpError {
  const { status } = raw;
  if (status === 429) return rateLimitErrorOf(target, raw, nowMs);
  const parsed = parseBody(raw);
  const said = parsed.kind === 'json' ? serviceNowErrorOf(parsed.json) : undefined;
  const details = detailsOf(target, raw, said);
  // Proxies in front of an instance answer 5xx with their own pages: still a server error.
  if (status >= 500) return new ServiceNowServerError(details);
  if (!said) return notServiceNow(target, raw, parsed.kind === 'json' ? 'json_without_servicenow_shape' : parsed.kind);
  if (status === 401) return new ServiceNowAuthenticationError(details);
  if (status === 403) return new ServiceNowForbiddenError(details);
  if (status === 404) return new ServiceNowNotFoundError(details);
  return new ServiceNowHttpError(details);
}

/** The typed error for a failed answer from `/oauth_token.do`. */
export function oauthErrorOf(target: RequestTarget, raw: RawResponse, grant: OAuthGrant, nowMs: number): ServiceNowHttpError {
  const { status } = raw;
  if (status === 429 || status >= 500) return httpErrorOf(target, raw, nowMs);
  const parsed = parseBody(raw);
  if (parsed.kind !== 'json' || !parsed.json || typeof parsed.json !== 'object') {
    return notServiceNow(target, raw, parsed.kind === 'json' ? 'json_without_servicenow_shape' : parsed.kind);
  }
  const body = parsed.json as { error?: unknown; error_description?: unknown };
  const oauthError = typeof body.error === 'string' ? shortText(body.error) : undefined;
  const description = shortText(body.error_description);
  const said = serviceNowErrorOf(parsed.json);
  if (oauthError === undefined && description === undefined && said === undefined) {
    return notServiceNow(target, raw, 'json_without_servicenow_shape');
  }
  return new OAuthError({
    ...detailsOf(target, raw, said),
    grant,
    ...(oauthError !== undefined ? { oauthError } : {}),
    ...(description !== undefined ? { oauthErrorDescription: description } : {}),
  });
}

/**
 * The JSON of a successful answer, or undefined for an empty one (204, `X-no-response-body`).
 * Anything else that is not JSON means whatever answered is not ServiceNow.
 */
export function successBodyOf(target: RequestTarget, raw: RawResponse): unknown {
  const parsed = parseBody(raw);
  if (parsed.kind === 'empty') return undefined;
  if (parsed.kind !== 'json') throw notServiceNow(target, raw, parsed.kind);
  return parsed.json;
}

/** `result` of a `{"result": …}` body; throws NotServiceNowError if the body is not shaped that way. */
export function resultOf(target: RequestTarget, status: number, headers: Record<string, string>, body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'result' in body) {
    return (body as { result: unknown }).result;
  }
  throw notServiceNow(target, { status, headers, bodyText: '' }, body === undefined ? 'empty' : 'json_without_servicenow_shape');
}
