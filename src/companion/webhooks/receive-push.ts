import { HEADER, isPingEvent } from '../../server/contract/push-event';
import type { Logger } from 'pino';
import { WebhookVerificationError } from './verification-error';
import { verifyPushSignature } from './verify-signature';
import type { CompanionStore, Connection } from '../store';
import type { NewInboundEvent } from '../store/sync-store';
import type { ConnectionRegistry } from '../sync/connection-registry';
import type { SyncMetrics } from '../sync/metrics';
import { parsePushBody, type PushEventBody } from '../sync/push-event';
import { changeFromPush, orderKeyOf } from '../sync/servicenow-record';
import { tracePoint } from '../../shared/latency-trace';

/**
 * A push from the app, from raw bytes to a stored event: the connection must exist and receive
 * pushes (404), the signature must verify against the raw body with the current or (for a day
 * after a rotation) the previous secret (400 missing or malformed, 401 wrong or stale), the body
 * must be JSON matching the committed schema (400). Only then is the event stored, deduplicated by
 * (connection, event id); the answer is 2xx once it is committed. Nothing is stored otherwise.
 */

/** How long after a rotation pushes signed with the previous secret are still accepted. */
export const PREVIOUS_SECRET_GRACE_MS = 24 * 60 * 60_000;

export interface PushRequest {
  connectionName: string;
  rawBody: Buffer;
  signature: string | undefined;
  eventIdHeader: string | undefined;
}

/** The last test event (ping) a connection answered: what the app's Status page proved. */
export interface LastPing {
  eventId: string;
  instance: string;
  /** When the admin sent it (the event's occurred_at). */
  sentAt: Date;
  receivedAt: Date;
}

export type PushAnswer =
  | { status: 200; result: 'stored' | 'duplicate' | 'pong' | 'ignored'; eventId: string }
  | { status: 400 | 401 | 404 | 503; code: string; message: string; details?: unknown };

export interface ReceivePushDeps {
  store: CompanionStore;
  registry: ConnectionRegistry;
  metrics: SyncMetrics;
  logger: Logger;
  clock: () => Date;
  /** Signature timestamp tolerance, seconds (default 300). */
  toleranceSeconds?: number;
  /** A new event was stored and is left for the apply worker (not when it was applied in the same transaction). */
  onStored: () => void;
  /**
   * Stores a received event (default: its own transaction). The engine passes its group commit, so
   * pushes arriving together share one commit; the answer still waits for the event's commit.
   */
  recordInbound?: (event: NewInboundEvent) => Promise<{ stored: boolean; id: string; open?: boolean }>;
  /** A verified test event: recorded for the status page and the log; nothing is queued. */
  onPing: (connectionName: string, ping: LastPing) => void;
}

function acceptedSecrets(connection: Connection, now: Date): string[] {
  const secrets: string[] = [];
  if (connection.signingSecret) secrets.push(connection.signingSecret.reveal());
  const rotatedAt = connection.signingSecretRotatedAt?.getTime() ?? 0;
  if (connection.previousSigningSecret && now.getTime() - rotatedAt <= PREVIOUS_SECRET_GRACE_MS) {
    secrets.push(connection.previousSigningSecret.reveal());
  }
  return secrets;
}

async function realtimeConnection(registry: ConnectionRegistry, name: string): Promise<Connection | undefined> {
  let connection = await registry.byName(name);
  if (!connection) {
    // A connection stored a moment ago by connect: read the store again once.
    registry.invalidate();
    connection = await registry.byName(name);
  }
  return connection?.mode === 'realtime' ? connection : undefined;
}

/**
 * A refusal: counted, logged (without the body or any secret) and answered. Module-level like
 * verifyWith below, not a closure per push: the sources run under tsx, whose kept function names
 * cost a property definition for every closure created.
 */
function refuse(deps: ReceivePushDeps, request: PushRequest, status: 400 | 401 | 404 | 503, code: string, message: string, details?: unknown): PushAnswer {
  deps.metrics.eventsRejected.inc({ reason: code });
  deps.logger.warn({ connection: request.connectionName.slice(0, 63), reason: code }, `push refused: ${message}`);
  return details !== undefined ? { status, code, message, details } : { status, code, message };
}

function verifyWith(deps: ReceivePushDeps, request: PushRequest, connection: Connection, now: Date): void {
  verifyPushSignature({
    rawBody: request.rawBody,
    signatureHeader: request.signature,
    secrets: acceptedSecrets(connection, now),
    nowSeconds: Math.floor(now.getTime() / 1000),
    ...(deps.toleranceSeconds !== undefined ? { toleranceSeconds: deps.toleranceSeconds } : {}),
  });
}

export async function receivePush(deps: ReceivePushDeps, request: PushRequest): Promise<PushAnswer> {
  const { metrics } = deps;
  let connection = await realtimeConnection(deps.registry, request.connectionName);
  if (!connection) {
    return refuse(deps, request, 404, 'unknown_connection', 'No real-time connection has this name: check the webhook URL the app pushes to (incident-sn doctor).');
  }
  const now = deps.clock();
  try {
    try {
      verifyWith(deps, request, connection, now);
    } catch (err) {
      // connect may have rotated the secret a moment ago, after the registry last read the store:
      // read the connection again once before refusing.
      if (!(err instanceof WebhookVerificationError) || (err.reason !== 'signature_mismatch' && err.reason !== 'no_secret')) throw err;
      deps.registry.invalidate();
      const fresh = await realtimeConnection(deps.registry, request.connectionName);
      if (!fresh || fresh.updatedAt.getTime() === connection.updatedAt.getTime()) throw err;
      connection = fresh;
      verifyWith(deps, request, connection, now);
    }
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    return refuse(deps, request, err.status as 400 | 401 | 503, err.reason, err.message);
  }
  const parsed = parsePushBody(request.rawBody);
  if (!parsed.ok && parsed.reason === 'unknown_type') {
    // A newer app's event type: acknowledged so the app does not retry it for ever, and dropped.
    metrics.eventsReceived.inc({ connection: connection.name, source: 'push', type: 'unknown', result: 'ignored' });
    deps.logger.info({ connection: connection.name, event_id: parsed.eventId, type: parsed.type.slice(0, 100) }, 'push of an event type this companion does not know: acknowledged and ignored (upgrade the companion to use it)');
    return { status: 200, result: 'ignored', eventId: parsed.eventId };
  }
  if (!parsed.ok) {
    return refuse(deps, request, 400, parsed.reason, parsed.reason === 'invalid_json' ? 'The body is not JSON.' : 'The body does not match the push event schema.', parsed.errors);
  }
  const event = parsed.event;
  if (request.eventIdHeader !== undefined && request.eventIdHeader !== event.event_id) {
    return refuse(deps, request, 400, 'invalid_schema', `${HEADER.eventId} does not match the body's event_id.`);
  }

  if (isPingEvent(event)) {
    const ping: LastPing = { eventId: event.event_id, instance: event.instance, sentAt: new Date(event.occurred_at), receivedAt: now };
    deps.onPing(connection.name, ping);
    metrics.eventsReceived.inc({ connection: connection.name, source: 'push', type: event.type, result: 'pong' });
    deps.logger.info({ connection: connection.name, event_id: event.event_id, instance: event.instance.slice(0, 100) }, 'test event (ping) from the app verified');
    return { status: 200, result: 'pong', eventId: event.event_id };
  }
  const stored = await storePushEvent(deps, connection, event, 'push');
  return { status: 200, result: stored ? 'stored' : 'duplicate', eventId: event.event_id };
}

/**
 * Stores one push event that passed the schema check, deduplicated by (connection, event id), and
 * wakes the workers when it is new; true when it was new. `via` says how it came: pushed by the app,
 * or read from the app's outbox before its push arrived (OutboxPull). The metric tells them apart.
 */
export async function storePushEvent(
  deps: Pick<ReceivePushDeps, 'store' | 'metrics' | 'clock' | 'onStored' | 'recordInbound'>,
  connection: Connection,
  event: PushEventBody,
  via: 'push' | 'outbox',
): Promise<boolean> {
  tracePoint('c.push.verified');
  const now = deps.clock();
  const change = changeFromPush(event);
  const record: NonNullable<ReceivePushDeps['recordInbound']> = deps.recordInbound ?? ((e) => deps.store.sync.inbound.record(e));
  const stored = await record({
    connectionId: connection.id,
    eventId: event.event_id,
    source: 'push',
    type: event.type,
    incidentSysId: event.incident.sys_id,
    sequence: event.sequence,
    orderKey: orderKeyOf(event.type, event.sequence, now),
    occurredAt: new Date(event.occurred_at),
    receivedAt: now,
    payload: change,
  });
  deps.metrics.eventsReceived.inc({ connection: connection.name, source: via, type: event.type, result: stored.stored ? 'stored' : 'duplicate' });
  tracePoint('c.stored');
  // Applied in the transaction that stored it (the group commit's quiet path): nothing for the worker.
  if (stored.stored && stored.open !== false) deps.onStored();
  return stored.stored;
}
