import { isPingEvent } from '../../server/contract/push-event';
import { OUTBOX_TABLE } from '../../server/lib/constants';
import { encodedQuery, type TableClient } from '../client';
import type { Connection } from '../store';
import { parsePushBody, type PushEventBody } from './push-event';
import { storePushEvent, type ReceivePushDeps } from '../webhooks/receive-push';

/**
 * The app's events that have not been delivered yet, read from its outbox table
 * (`x_incident_io_outbound_event`, readable by the service account) and stored as if pushed: the
 * events are the same (same id, same body), so the push that comes later is a duplicate. Two readers:
 * a write that must know when ServiceNow changed a field (OutboundProcessor.redecide) reads one
 * record's (pullOwedEvents), and the catch-up (OutboxCatchUp) reads every record's after a restart
 * and every few minutes, so an outage of the companion does not leave incidents stale until the
 * app's retries (backed off up to an hour) come round. An event whose body does not pass the push
 * schema is left for its push (which the receiver refuses, saying why).
 */

/** At most this many undelivered events of one record are read at a time (the rest come next time). */
export const OUTBOX_PULL_LIMIT = 100;

export interface OutboxPullResult {
  /** Undelivered events in the outbox that were read. */
  found: number;
  /** Of those, events the companion did not have yet. */
  stored: number;
}

/**
 * `recordInbound`: the engine's group commit (the pushes' own), so the rows read at once are stored
 * together, in one commit and in their order; without it each row is stored by itself, one after another.
 */
export type OutboxPullDeps = Pick<ReceivePushDeps, 'store' | 'metrics' | 'clock' | 'onStored' | 'recordInbound'>;

/** An outbox row as read: the event's id, its incident, and the push body the app stored. */
export interface OutboxRow {
  event_id?: string;
  incident_sys_id?: string;
  payload?: string;
}

export const OUTBOX_ROW_FIELDS = ['event_id', 'incident_sys_id', 'payload'];

/**
 * Stores the rows' events (in the order given) that parse as pushes of the row's own event and
 * incident; pings and rows that do not parse are skipped. Returns how many were new. With the group
 * commit the rows are handed over at once: the catch-up after a restart reads hundreds of rows
 * while the app's retries flood in, and one commit (one round trip to the store's thread) each made
 * its pass take tens of seconds, which is how long a restarted companion's incidents stayed stale.
 */
export async function storeOutboxRows(deps: OutboxPullDeps, connection: Connection, rows: readonly OutboxRow[]): Promise<number> {
  const events: PushEventBody[] = [];
  for (const row of rows) {
    const parsed = parsePushBody(Buffer.from(String(row.payload ?? ''), 'utf8'));
    if (!parsed.ok || isPingEvent(parsed.event)) continue;
    const event = parsed.event;
    if (event.event_id !== row.event_id || event.incident.sys_id !== row.incident_sys_id) continue;
    events.push(event);
  }
  if (deps.recordInbound) {
    // Each call queues its event with the group commit before the first await, so they are stored in this order.
    const stored = await Promise.all(events.map((event) => storePushEvent(deps, connection, event, 'outbox')));
    return stored.filter(Boolean).length;
  }
  let stored = 0;
  for (const event of events) if (await storePushEvent(deps, connection, event, 'outbox')) stored += 1;
  return stored;
}

export async function pullOwedEvents(
  deps: OutboxPullDeps,
  input: { connection: Connection; table: TableClient; sysId: string; signal?: AbortSignal },
): Promise<OutboxPullResult> {
  const query = encodedQuery().where('incident_sys_id', '=', input.sysId).and('state', '!=', 'delivered').orderBy('order_key');
  const page = await input.table.listPage<OutboxRow>(OUTBOX_TABLE, {
    query,
    fields: OUTBOX_ROW_FIELDS,
    limit: OUTBOX_PULL_LIMIT,
    noCount: true,
    orderBySysId: false,
    ...(input.signal ? { signal: input.signal } : {}),
  });
  const rows = page.records.filter((r) => r.incident_sys_id === input.sysId);
  return { found: page.records.length, stored: await storeOutboxRows(deps, input.connection, rows) };
}
