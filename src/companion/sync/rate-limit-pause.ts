import type { ServiceNowRateLimitError } from '../client';
import type { Connection } from '../store';
import type { PauseRepository } from '../store/sync-store';

/**
 * Pauses a connection after a 429, in the database (shared by the writers, the poller and every
 * replica): Retry-After is honoured (nothing but probes until then), but a probe goes out at least
 * every `probeMs`, because ServiceNow's windows are per clock hour and an admin may lift the limit
 * long before. Without Retry-After the pause lasts `fallbackMs`. Returns when the next probe is due, from `at`.
 */
export async function pauseAfterRateLimit(
  pauses: PauseRepository,
  input: { connectionId: string; retryAfterSeconds: number | undefined; fallbackMs: number; probeMs: number; reason: string; at: Date },
): Promise<number> {
  const { at } = input;
  const askedMs = input.retryAfterSeconds !== undefined ? input.retryAfterSeconds * 1000 : input.fallbackMs;
  const probeInMs = Math.min(askedMs, input.probeMs);
  await pauses.pause({
    connectionId: input.connectionId,
    until: new Date(at.getTime() + askedMs),
    nextProbeAt: new Date(at.getTime() + probeInMs),
    retryAfterSeconds: input.retryAfterSeconds ?? null,
    reason: input.reason,
    at,
  });
  return probeInMs;
}

/** pauseAfterRateLimit for a read's 429 (the poller's, the outbox catch-up's): the connection's pause, probed every `probeMs`. */
export function pauseAfterRefusedRead(pauses: PauseRepository, connection: Connection, err: ServiceNowRateLimitError, probeMs: number, at: Date): Promise<number> {
  return pauseAfterRateLimit(pauses, { connectionId: connection.id, retryAfterSeconds: err.retryAfterSeconds, fallbackMs: probeMs, probeMs, reason: err.message, at });
}
