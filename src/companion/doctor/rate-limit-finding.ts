import type { CheckResult } from '../commands/check-runner';
import type { CompanionStore, Connection } from '../store';

/**
 * What doctor adds from the companion's own store while ServiceNow rate-limits the connection (the
 * pause the sync keeps in sync_connection_pauses): how long it asked to wait, and when the next
 * single probe goes out. Undefined when the connection is not paused.
 */
export async function rateLimitFinding(store: CompanionStore, connection: Connection, now: Date): Promise<CheckResult | undefined> {
  const pause = (await store.sync.pauses.list()).find((p) => p.connectionId === connection.id);
  if (!pause) return undefined;
  const seconds = (to: Date) => Math.max(0, Math.round((to.getTime() - now.getTime()) / 1000));
  return {
    id: 'not-rate-limited',
    ok: false,
    message:
      `ServiceNow rate-limited the companion's writes since ${pause.since.toISOString()} (${pause.hits} refusal${pause.hits === 1 ? '' : 's'}; ` +
      `Retry-After ${pause.retryAfterSeconds === null ? 'not given' : `${pause.retryAfterSeconds}s`}, until ${pause.until.toISOString()}). ` +
      `Writes wait; one write probes the instance in ${seconds(pause.nextProbeAt)}s and the backlog moves as soon as one passes — fix: ` +
      `raise or remove the rate limit rule (System Web Services > REST API Rate Limiting) that matches user ${connection.username}`,
    step: null,
  };
}
