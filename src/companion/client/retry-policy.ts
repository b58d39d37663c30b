import { backoffDelayMs } from '../../server/lib/backoff';
import type { RateLimitInfo } from './errors';

/**
 * When to try a call again and how long to wait first. Pure functions, so the schedule is tested
 * without a server and without waiting.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Retries after network errors, timeouts and 5xx answers (idempotent calls only). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The step of the first backoff; doubles with each retry (equal jitter: the wait is uniform in [step/2, step]). */
  baseDelayMs: number;
  /** The largest cap. */
  maxDelayMs: number;
  /** No retry is started once this long has passed since the call began. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  maxTotalMs: 60_000,
};

/** Waits after 429 answers (any method: a 429 means the call was not processed). */
export interface RateLimitPolicy {
  /**
   * The most a call waits for rate limits in all; a longer wait after a 429 throws
   * ServiceNowRateLimitError at once. Also the most a request waits for a slot of the connection's
   * budget (request-budget.ts) before it is sent anyway.
   */
  maxWaitMs: number;
  /** The most 429 answers a call retries after. */
  maxRetries: number;
}

export const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = {
  maxWaitMs: 60_000,
  maxRetries: 5,
};

/**
 * Whether repeating a call that may have been processed is harmless. GET, PUT and DELETE are;
 * PATCH and POST only when the caller says so (a PATCH that appends a work note is not).
 */
export function isRetrySafe(method: HttpMethod, markedIdempotent?: boolean): boolean {
  if (markedIdempotent !== undefined) return markedIdempotent;
  return method === 'GET' || method === 'PUT' || method === 'DELETE';
}

/** The backoff step of retry number `retry` (1 for the first retry): the shared schedule (../../server/lib/backoff.ts). */
export function clientBackoffDelayMs(policy: RetryPolicy, retry: number, random: () => number): number {
  return backoffDelayMs({ baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, retry, random);
}

function numberHeader(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number(value);
}

/** The `X-RateLimit-*` headers, from a header map with lower-case names. */
export function parseRateLimitHeaders(headers: Readonly<Record<string, string | undefined>>): RateLimitInfo {
  const info: RateLimitInfo = {};
  const limit = numberHeader(headers['x-ratelimit-limit']);
  const reset = numberHeader(headers['x-ratelimit-reset']);
  const rule = headers['x-ratelimit-rule']?.trim();
  if (limit !== undefined) info.limit = limit;
  if (reset !== undefined) info.resetEpochSeconds = reset;
  if (rule) info.rule = rule;
  return info;
}

/**
 * How long a 429 asks us to wait: `Retry-After` if present, else until `X-RateLimit-Reset`,
 * else undefined (the caller falls back to backoff).
 */
export function rateLimitDelayMs(
  retryAfterSeconds: number | undefined,
  rateLimit: RateLimitInfo,
  nowMs: number,
): number | undefined {
  if (retryAfterSeconds !== undefined) return retryAfterSeconds * 1000;
  if (rateLimit.resetEpochSeconds !== undefined) return Math.max(0, rateLimit.resetEpochSeconds * 1000 - nowMs);
  return undefined;
}
