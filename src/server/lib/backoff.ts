/** Ceiling of any single retry delay, whatever the attempt count. */
export const MAX_RETRY_DELAY_SECONDS = 3600;

/**
 * Seconds to wait before retry number `attempt` (1 = the first retry): exponential from
 * `baseSeconds`, capped at MAX_RETRY_DELAY_SECONDS, with "equal jitter" (half fixed, half random) so
 * that many events failing together do not retry in lockstep. `random` returns [0, 1).
 */
export function retryDelaySeconds(attempt: number, baseSeconds: number, random: () => number): number {
  const base = baseSeconds > 0 ? baseSeconds : 1;
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(base * Math.pow(2, exponent), MAX_RETRY_DELAY_SECONDS);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

/**
 * Parses a Retry-After header (delta seconds or an HTTP date) into seconds from `nowMs`;
 * null when absent or unreadable. Capped like retry delays.
 */
export function retryAfterSeconds(header: string | null | undefined, nowMs: number): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(parseInt(trimmed, 10), MAX_RETRY_DELAY_SECONDS);
  // Otherwise only an HTTP date ("Wed, 21 Oct 2026 07:28:00 GMT") is meaningful.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (isNaN(at)) return null;
  return Math.min(Math.max(Math.ceil((at - nowMs) / 1000), 0), MAX_RETRY_DELAY_SECONDS);
}

/** True when an event that has now been attempted `attempts` times must not be tried again. */
export function isExhausted(attempts: number, maxAttempts: number): boolean {
  return attempts >= Math.max(maxAttempts, 1);
}
