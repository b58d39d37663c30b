import type { LastPing } from '../webhooks/receive-push';
import { describeError } from '../../shared/errors';
import { SyncApiClient, type SyncHealth } from '../client';
import { SETUP_CONNECTION_DEFAULTS } from '../connect/setup-session';
import { serviceAccountClient } from '../service-account-client';
import type { CompanionStore, Connection } from '../store';
import type { InboundState, OutboundState } from '../store/sync-store';
import type { RateLimitStatus, SyncEngine } from '../sync/sync-engine';

/**
 * What the Status page shows for one connection, read through the store's and the engine's public
 * methods: the app's /health (asked at most every APP_HEALTH_TTL_MS per connection), the
 * companion's queues, and the recent sync activity of the latest incidents.
 */

export const APP_HEALTH_TTL_MS = 2_000;
/** How many of the latest incidents the activity table and the chart are drawn from. */
const RECENT_INCIDENTS = 25;
const ACTIVITY_ROWS = 20;
export const CHART_WINDOW_MS = 3_600_000;

export interface Activity {
  at: Date;
  incident: string;
  number: string | null;
  direction: 'inbound' | 'outbound';
  /** What changed: fields, or the kind of event. */
  what: string;
  /** How long it took from arrival (inbound) or queueing (outbound) to done, ms; null while open. */
  tookMs: number | null;
  outcome: string;
}

export interface StatusData {
  connection: Pick<Connection, 'name' | 'instanceUrl' | 'mode' | 'lastCheck' | 'createdAt'>;
  now: Date;
  app: { health: SyncHealth } | { error: string } | null;
  inbound: Record<InboundState, number>;
  outbound: Record<OutboundState, number>;
  /** When the app's last push arrived (among the latest incidents' events). */
  lastPush: Date | null;
  /** The last test event the app's Status page sent, verified and answered by this process. */
  lastPing: LastPing | null;
  /** The connection's rate-limit pause (ServiceNow answered 429), kept in the store; null when not paused. */
  rateLimit: Omit<RateLimitStatus, 'connection'> | null;
  /** Workers whose last beat is old, or that are not running. */
  workers: Array<{ name: string; running: boolean; busy: number; lastBeatAt: Date }>;
  activity: Activity[];
  /** Finished activity within the last hour, for the chart: when, and how long it took. */
  latency: Array<{ at: Date; ms: number; direction: 'inbound' | 'outbound' }>;
}

export class AppHealthCache {
  private readonly cache = new Map<string, { at: number; value: Promise<StatusData['app']> }>();

  constructor(private readonly clock: () => number = Date.now) {}

  get(connection: Connection): Promise<StatusData['app']> {
    if (connection.mode !== 'realtime') return Promise.resolve(null);
    const hit = this.cache.get(connection.name);
    const now = this.clock();
    if (hit && now - hit.at < APP_HEALTH_TTL_MS) return hit.value;
    const value = readAppHealth(connection);
    this.cache.set(connection.name, { at: now, value });
    return value;
  }

  forget(name: string): void {
    this.cache.delete(name);
  }
}

async function readAppHealth(connection: Connection): Promise<StatusData['app']> {
  const client = serviceAccountClient(connection, { ...SETUP_CONNECTION_DEFAULTS, retry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100, maxTotalMs: 5_000 } });
  try {
    return { health: await new SyncApiClient(client).health() };
  } catch (err) {
    return { error: describeError(err) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** The fields an inbound change names (InboundChange.changedFields), read defensively: it is stored JSON. */
function fieldsOf(payload: unknown): string {
  const fields = payload && typeof payload === 'object' ? (payload as { changedFields?: unknown }).changedFields : undefined;
  return Array.isArray(fields) ? fields.filter((f) => typeof f === 'string').join(', ') : '';
}

function pauseOf(pauses: RateLimitStatus[], name: string): StatusData['rateLimit'] {
  const pause = pauses.find((p) => p.connection === name);
  if (!pause) return null;
  const { connection: _connection, ...rest } = pause;
  return rest;
}

export async function gatherStatus(store: CompanionStore, engine: SyncEngine, connection: Connection, appHealth: AppHealthCache, now: Date): Promise<StatusData> {
  const [app, inbound, outbound, health, incidents] = await Promise.all([
    appHealth.get(connection),
    store.sync.inbound.countByState(),
    store.sync.outbound.countByState(),
    engine.health(),
    store.sync.incidents.listIncidents({ limit: RECENT_INCIDENTS, offset: 0 }),
  ]);
  const activity: Activity[] = [];
  let lastPush: Date | null = null;
  for (const incident of incidents) {
    if (incident.connectionId !== connection.id) continue;
    const link = await store.sync.incidents.getLink(incident.id);
    const number = link?.number ?? null;
    if (link) {
      for (const event of await store.sync.inbound.listForIncident(connection.id, link.sysId)) {
        if (event.source === 'push' && (!lastPush || event.receivedAt > lastPush)) lastPush = event.receivedAt;
        activity.push({
          at: event.receivedAt,
          incident: incident.reference,
          number,
          direction: 'inbound',
          what: fieldsOf(event.payload) || event.type.replace('incident.', ''),
          tookMs: event.processedAt ? Math.max(0, event.processedAt.getTime() - event.receivedAt.getTime()) : null,
          outcome: event.state === 'done' ? (event.outcome ?? 'done') : event.state,
        });
      }
    }
    for (const op of await store.sync.outbound.listForIncident(incident.id)) {
      activity.push({
        at: op.createdAt,
        incident: incident.reference,
        number,
        direction: 'outbound',
        what: op.kind === 'note' ? 'work note' : Object.keys(op.payload.fields ?? {}).join(', ') || op.kind,
        tookMs: op.completedAt ? Math.max(0, op.completedAt.getTime() - op.createdAt.getTime()) : null,
        outcome: op.state === 'done' ? `${op.kind} written` : op.state === 'dead' ? `failed: ${op.lastError ?? 'gave up'}` : op.state,
      });
    }
  }
  activity.sort((a, b) => b.at.getTime() - a.at.getTime());
  const since = now.getTime() - CHART_WINDOW_MS;
  return {
    connection,
    now,
    app,
    inbound,
    outbound,
    lastPush,
    lastPing: engine.lastPing(connection.name),
    rateLimit: pauseOf(health.rateLimits, connection.name),
    workers: health.workers.map((w) => ({ name: w.name, running: w.running, busy: w.busy, lastBeatAt: new Date(w.lastBeatAt) })),
    activity: activity.slice(0, ACTIVITY_ROWS),
    latency: activity
      .filter((a) => a.tookMs !== null && a.at.getTime() >= since)
      .map((a) => ({ at: a.at, ms: a.tookMs!, direction: a.direction }))
      .reverse(),
  };
}
