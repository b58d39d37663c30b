/**
 * When the outbound queue tries a failed write again: exponential backoff with jitter (half the
 * delay fixed, half random, so replicas retrying after one outage spread out), capped, and never
 * sooner than ServiceNow's Retry-After.
 */

export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** The longest delay, ms. */
  maxMs: number;
}

export const DEFAULT_OUTBOUND_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** The delay before the next attempt after `failures` failed attempts (1 for the first failure). */
export function retryDelayMs(policy: BackoffPolicy, failures: number, random: () => number, retryAfterSeconds?: number): number {
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const delay = Math.floor(cap / 2 + random() * (cap / 2));
  const asked = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : 0;
  return Math.max(delay, asked);
}
