/**
 * The one backoff schedule and the one Retry-After parser, for the app (outbox retries) and the
 * companion (its HTTP client and its queues). Pure and free of Node and Glide, so it runs on the
 * instance and in node unchanged.
 *
 * Jitter, chosen once: "equal jitter". The wait before retry n is uniform in [cap/2, cap], where
 * cap = min(maxMs, baseMs * 2^(n-1)). Half fixed, so no retry comes back sooner than half its step
 * (full jitter can retry at once, into the same outage); half random, so many callers that failed
 * together spread out instead of retrying in lockstep.
 *
 * Caps: each caller's policy sets maxMs (the app: MAX_RETRY_DELAY_SECONDS; the companion: its
 * settings). Retry-After is parsed as sent and never capped here: a caller that cannot wait that
 * long says so (the client throws its rate-limit error) or caps it itself (the app).
 */

export interface BackoffPolicy {
  /** The step of the first retry, ms. */
  baseMs: number;
  /** The longest step, ms. */
  maxMs: number;
}

/** Ceiling of any single retry delay of the app's outbox, whatever the attempt count or Retry-After. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/** The wait before retry number `retry` (1 for the first retry), ms. `random` returns [0, 1). */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number): number {
  const exponent = Math.min(Math.max(retry, 1) - 1, 30);
  const cap = Math.min(policy.maxMs, Math.max(policy.baseMs, 0) * Math.pow(2, exponent));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(cap / 2 + (cap / 2) * r);
}

/**
 * A Retry-After header as whole seconds from `nowMs`: delay-seconds, or an HTTP date
 * ("Wed, 21 Oct 2026 07:28:00 GMT", RFC 9110's IMF-fixdate); undefined when absent or unreadable.
 */
export function parseRetryAfterSeconds(header: string | null | undefined, nowMs: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return parseInt(text, 10);
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  if (isNaN(at)) return undefined;
  return Math.max(Math.ceil((at - nowMs) / 1000), 0);
}

/**
 * Seconds the app waits before retry number `attempt` of a push: the backoff from
 * `baseSeconds`, or Retry-After when it asks for longer, at most MAX_RETRY_DELAY_SECONDS.
 */
export function outboxRetryDelaySeconds(attempt: number, baseSeconds: number, random: () => number, retryAfterSeconds?: number): number {
  const policy = { baseMs: (baseSeconds > 0 ? baseSeconds : 1) * 1000, maxMs: MAX_RETRY_DELAY_SECONDS * 1000 };
  const backoff = Math.round(backoffDelayMs(policy, attempt, random) / 1000);
  const asked = retryAfterSeconds !== undefined && retryAfterSeconds > backoff ? retryAfterSeconds : backoff;
  return Math.min(asked, MAX_RETRY_DELAY_SECONDS);
}

/** True when an event that has now been attempted `attempts` times must not be tried again. */
export function isExhausted(attempts: number, maxAttempts: number): boolean {
  return attempts >= Math.max(maxAttempts, 1);
}
